// SPDX-License-Identifier: LGPL-2.1-or-later
// Closing every inherited descriptor in a freshly forked child, also on kernels older than close_range (5.9).
#pragma once

namespace sshuttle::util {

/// Closes every open descriptor numbered `first` or above. For a forked child before it runs on its own: a
/// descriptor it keeps by accident (a TCP socket, the mux transport, a readiness pipe) would keep its peer from
/// ever seeing the close.
void close_fds_from(int first);

}  // namespace sshuttle::util
