// SPDX-License-Identifier: LGPL-2.1-or-later
// Lends the data plane a firewall plugin's UDP members (ABI 1.1 recv_udp / open_udp_reply) as a
// client::TransparentUdp, converting between sockaddr and Asio endpoints.
#pragma once

#include "client/transparent_udp.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::app {

/// The plugin must have has_udp() and outlive every use of the result.
client::TransparentUdp transparent_udp_of(const plugin::FirewallPlugin& method);

}  // namespace sshuttle::app
