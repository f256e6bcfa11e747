// SPDX-License-Identifier: LGPL-2.1-or-later
// The one exception type of option parsing. Its message is one line naming the bad value; the caller prints
// `sshuttle: <message>` and exits with status 2 (argparse's usage error status).
#pragma once

#include <stdexcept>
#include <string>

namespace sshuttle::cli {

/// A bad option, option value, argument file, SSHUTTLE_ARGS or config file.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sshuttle::cli
