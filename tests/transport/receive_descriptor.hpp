// SPDX-License-Identifier: LGPL-2.1-or-later
// The receiving side of transport/send_descriptor.hpp, as ssh's mm_receive_fd reads it: one byte of data with
// an SCM_RIGHTS message. For the tests that stand in for ssh.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstring>

/// The descriptor in the next one-byte message on `socket`, close-on-exec; -1 when none came.
inline int receive_descriptor(int socket) {
    char byte;
    iovec iov{&byte, 1};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    if (::recvmsg(socket, &message, MSG_CMSG_CLOEXEC) != 1) return -1;
    const cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header == nullptr || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
}
