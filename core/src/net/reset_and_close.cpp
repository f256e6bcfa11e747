// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/reset_and_close.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace sshuttle::net {

void reset_and_close(int fd) {
    const linger abort_on_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    ::close(fd);
}

}  // namespace sshuttle::net
