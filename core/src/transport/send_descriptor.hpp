// SPDX-License-Identifier: LGPL-2.1-or-later
// Passing a descriptor to ssh the way ssh's own mm_send_fd/mm_receive_fd do: one byte of data carrying an
// SCM_RIGHTS message. Used for ssh's stdio forwards (the control socket) and for ssh-connect (ProxyUseFdpass).
#pragma once

namespace sshuttle::transport {

/// Sends fd over the Unix socket `socket`; false (errno set) when the byte was not sent.
bool send_descriptor(int socket, int fd);

}  // namespace sshuttle::transport
