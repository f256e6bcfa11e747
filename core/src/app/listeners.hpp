// SPDX-License-Identifier: LGPL-2.1-or-later
// Binds the client's redirect listeners: one TCP socket per address family on one shared port, found by
// upstream's search (12300 down to 9001) unless -l fixed it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::app {

struct Listener {
    int fd = -1;              // listening, non-blocking, close-on-exec
    net::Endpoint address;    // bound address (port filled in)
};

/// Called on each new socket before bind (the tproxy method sets IP_TRANSPARENT there).
using PrepareSocket = std::function<void(int fd, net::Family family)>;

/// Binds TCP listeners on `addresses` (all with the same port; port 0 = search from 12300 down to 9001 for a
/// port free on every address). Throws std::runtime_error naming the address when binding fails.
std::vector<Listener> bind_tcp_listeners(const std::vector<net::Endpoint>& addresses, const PrepareSocket& prepare);

/// The listen addresses to use: -l's, or 127.0.0.1 plus ::1 (when IPv6 is on), port 0.
std::vector<net::Endpoint> default_listen_addresses(bool ipv6);

}  // namespace sshuttle::app
