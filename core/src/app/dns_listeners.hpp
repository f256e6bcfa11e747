// SPDX-License-Identifier: LGPL-2.1-or-later
// Binds the client's DNS redirect sockets: one UDP socket per listen address on one port, found by upstream's
// second search (12300 down to 9001, skipping the TCP port), so normally 12299.
#pragma once

#include <cstdint>
#include <vector>

#include "app/listeners.hpp"

namespace sshuttle::app {

/// Binds UDP sockets (non-blocking, close-on-exec) on `addresses` (their ports are ignored) on the first port
/// from 12300 down that is not `skip_port` and free on every address. Throws std::runtime_error on failure.
std::vector<Listener> bind_dns_listeners(const std::vector<net::Endpoint>& addresses, uint16_t skip_port,
                                         const PrepareSocket& prepare);

}  // namespace sshuttle::app
