// SPDX-License-Identifier: LGPL-2.1-or-later
// Binds the client's UDP redirect sockets (tproxy): one per TCP listen address, on the TCP listener's port,
// as upstream does.
#pragma once

#include <vector>

#include "app/listeners.hpp"

namespace sshuttle::app {

/// Binds non-blocking, close-on-exec UDP sockets on exactly `addresses` (ports included), calling prepare on
/// each before bind. Throws std::runtime_error naming the address when one cannot be bound.
std::vector<Listener> bind_udp_listeners(const std::vector<net::Endpoint>& addresses, const PrepareSocket& prepare);

}  // namespace sshuttle::app
