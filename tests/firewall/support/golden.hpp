// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden files: expected rule texts in tests/golden/<plugin>/<case>.txt. SSHUTTLE_UPDATE_GOLDEN=1 rewrites
// them from the actual output (then review the diff by hand: they are the spec).
#pragma once

#include <string>

namespace sshuttle::test {

/// Checks actual against tests/golden/<name>.txt (doctest CHECK), or rewrites the file when updating.
void check_golden(const std::string& name, const std::string& actual);

}  // namespace sshuttle::test
