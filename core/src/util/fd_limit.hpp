// SPDX-License-Identifier: LGPL-2.1-or-later
// Every proxied connection costs the client and the server one fd each; the default soft limit (often 1024)
// is far too low.
#pragma once

namespace sshuttle::util {

/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the resulting soft limit.
long raise_fd_limit();

}  // namespace sshuttle::util
