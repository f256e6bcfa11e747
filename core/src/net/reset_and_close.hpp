// SPDX-License-Identifier: LGPL-2.1-or-later
// Closing a proxied connection that could not be carried to its end.
#pragma once

namespace sshuttle::net {

/// Closes fd so that the connection ends with a reset, not a FIN: a FIN would tell the application that the far
/// end finished sending, and a cut-off download would look complete. SO_LINGER is the socket's own option, so
/// when another descriptor of the socket is still open, whichever close comes last sends the reset.
void reset_and_close(int fd);

}  // namespace sshuttle::net
