// SPDX-License-Identifier: LGPL-2.1-or-later
// Endpoints as the socket calls take and give them (bind, getsockname, getaddrinfo's results).
#pragma once

#include <sys/socket.h>

#include <optional>

#include "net/address.hpp"

namespace sshuttle::net {

/// The endpoint as a sockaddr_in or sockaddr_in6; len is set to that structure's size.
sockaddr_storage to_sockaddr(const Endpoint& endpoint, socklen_t& len);

/// The address and port of an AF_INET or AF_INET6 socket address; nullopt for any other family. An IPv6 scope
/// id is dropped.
std::optional<Endpoint> endpoint_from_sockaddr(const sockaddr* address);

/// The socket's own address (getsockname) and its peer's (getpeername); nullopt when the call fails (errno says
/// why) or the family is neither AF_INET nor AF_INET6.
std::optional<Endpoint> local_endpoint(int fd);
std::optional<Endpoint> peer_endpoint(int fd);

/// The family of the socket's local address: kIPv6 for an AF_INET6 socket, else (also when getsockname fails)
/// kIPv4.
Family socket_family(int fd);

}  // namespace sshuttle::net
