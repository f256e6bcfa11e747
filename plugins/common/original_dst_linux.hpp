// SPDX-License-Identifier: LGPL-2.1-or-later
// Original destination of a connection redirected by netfilter NAT (iptables REDIRECT, nft redirect).
// Header-only and shared by the nat and nft plugins so each module stays self-contained.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

namespace sshuttle::plugins {

#if defined(__linux__)
// Values from <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>, which clash with the libc
// headers when included together.
inline constexpr int kSoOriginalDst = 80;
inline constexpr int kIp6tSoOriginalDst = 80;

/// Fills out with the pre-NAT destination of the accepted socket fd; false (errno set) when unknown.
inline bool original_dst_linux(int fd, sockaddr_storage& out, socklen_t& len) {
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
    const bool is_v6 = local.ss_family == AF_INET6;
    len = is_v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    return getsockopt(fd, is_v6 ? SOL_IPV6 : SOL_IP, is_v6 ? kIp6tSoOriginalDst : kSoOriginalDst, &out, &len) == 0;
}
#endif

}  // namespace sshuttle::plugins
