// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs test code inside a fresh network namespace. The namespace belongs to one new thread only (unshare
// CLONE_NEWNET is per thread), so the rest of the test binary and the machine are never touched; commands
// forked from that thread inherit it, and it disappears when the thread ends.
#pragma once

#include <functional>

namespace sshuttle::test {

/// Runs body on a new thread in a new network namespace with lo up; rethrows body's exception.
/// Throws when the namespace cannot be created (needs root / CAP_SYS_ADMIN).
void in_fresh_netns(const std::function<void()>& body);

}  // namespace sshuttle::test
