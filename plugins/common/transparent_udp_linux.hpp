// SPDX-License-Identifier: LGPL-2.1-or-later
// UDP through transparent sockets on Linux: reading a datagram together with its original destination
// (IP_RECVORIGDSTADDR / IPV6_RECVORIGDSTADDR, which the listener must have enabled), and opening a socket that
// sends from an address that is not ours (IP_TRANSPARENT, needs CAP_NET_ADMIN). Header-only so that every
// transparent-proxy method module stays self-contained.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace sshuttle::plugins {

#if defined(__linux__)
// Values from <linux/in.h> and <linux/in6.h>, which clash with the libc headers when included together.
inline constexpr int kIpTransparentOption = 19;
inline constexpr int kIpOrigDstAddr = 20;    // IP_ORIGDSTADDR: the cmsg type of IP_RECVORIGDSTADDR
inline constexpr int kIpv6OrigDstAddr = 74;  // IPV6_ORIGDSTADDR
inline constexpr int kIpv6TransparentOption = 75;

/// The outcome of one read; `error` names the failed call when status is kFailed.
struct TransparentRead {
    enum Status { kDatagram, kNothing, kFailed } status = kNothing;
    std::size_t size = 0;  // the datagram's full size (MSG_TRUNC), possibly larger than the buffer
    std::string error;
};

/// Reads one datagram from the non-blocking socket fd. src gets the sender, dst the original destination (the
/// socket's own address when the kernel sent none, i.e. the datagram was addressed to us).
inline TransparentRead recv_with_original_dst(int fd, void* buf, std::size_t len, sockaddr_storage& src,
                                              socklen_t& src_len, sockaddr_storage& dst, socklen_t& dst_len) {
    TransparentRead result;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(sockaddr_in6)) + CMSG_SPACE(sizeof(sockaddr_in6))];
    iovec iov{buf, len};
    msghdr msg{};
    msg.msg_name = &src;
    msg.msg_namelen = sizeof src;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return result;
        result.status = TransparentRead::kFailed;
        result.error = std::string("recvmsg: ") + std::strerror(errno);
        return result;
    }
    src_len = msg.msg_namelen;
    bool found = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == kIpOrigDstAddr;
        const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == kIpv6OrigDstAddr;
        if (!v4 && !v6) continue;
        const std::size_t size = v4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        if (c->cmsg_len < CMSG_LEN(size)) continue;
        dst = {};
        std::memcpy(&dst, CMSG_DATA(c), size);
        dst_len = static_cast<socklen_t>(size);
        found = true;
    }
    if (!found) {
        dst_len = sizeof dst;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&dst), &dst_len) != 0) {
            result.status = TransparentRead::kFailed;
            result.error = std::string("getsockname: ") + std::strerror(errno);
            return result;
        }
    }
    result.status = TransparentRead::kDatagram;
    result.size = static_cast<std::size_t>(n);
    return result;
}

/// A non-blocking, close-on-exec UDP socket bound to `from` (any address, thanks to IP_TRANSPARENT) and, when
/// `to` is not null, connected to it. SO_REUSEADDR lets several flows share one source address and port.
/// Returns the fd, or -1 with `error` naming the failed call.
inline int open_transparent_udp(const sockaddr* from, socklen_t from_len, const sockaddr* to, socklen_t to_len,
                                std::string& error) {
    const bool v6 = from->sa_family == AF_INET6;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    const char* step = nullptr;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        step = "setsockopt SO_REUSEADDR";
    else if (v6 && setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
        step = "setsockopt IPV6_V6ONLY";
    else if (setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? kIpv6TransparentOption : kIpTransparentOption, &one,
                        sizeof one) != 0)
        step = v6 ? "setsockopt IPV6_TRANSPARENT" : "setsockopt IP_TRANSPARENT";
    else if (bind(fd, from, from_len) != 0)
        step = "bind";
    else if (to != nullptr && connect(fd, to, to_len) != 0)
        step = "connect";
    if (step == nullptr) return fd;
    error = std::string(step) + ": " + std::strerror(errno);
    close(fd);
    return -1;
}
#endif

}  // namespace sshuttle::plugins
