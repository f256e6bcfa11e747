// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/sockaddr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace sshuttle::net {

sockaddr_storage to_sockaddr(const Endpoint& endpoint, socklen_t& len) {
    sockaddr_storage storage{};
    if (endpoint.address.family == Family::kIPv4) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(endpoint.port);
        std::memcpy(&v4->sin_addr, endpoint.address.bytes.data(), 4);
        len = sizeof *v4;
    } else {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(endpoint.port);
        std::memcpy(&v6->sin6_addr, endpoint.address.bytes.data(), 16);
        len = sizeof *v6;
    }
    return storage;
}

std::optional<Endpoint> endpoint_from_sockaddr(const sockaddr* address) {
    Endpoint endpoint;
    if (address->sa_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
        std::memcpy(endpoint.address.bytes.data(), &v4->sin_addr, 4);
        endpoint.port = ntohs(v4->sin_port);
    } else if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        endpoint.address.family = Family::kIPv6;
        std::memcpy(endpoint.address.bytes.data(), &v6->sin6_addr, 16);
        endpoint.port = ntohs(v6->sin6_port);
    } else {
        return std::nullopt;
    }
    return endpoint;
}

std::optional<Endpoint> local_endpoint(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return std::nullopt;
    return endpoint_from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
}

std::optional<Endpoint> peer_endpoint(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return std::nullopt;
    return endpoint_from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
}

Family socket_family(int fd) {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 && local.ss_family == AF_INET6)
        return Family::kIPv6;
    return Family::kIPv4;
}

}  // namespace sshuttle::net
