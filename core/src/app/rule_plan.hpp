// SPDX-License-Identifier: LGPL-2.1-or-later
// Which subnets the firewall redirects and which it leaves alone, as the client sends them to the manager.
// Shared by the real run and --dry-run so that both show the same rules.
#pragma once

#include <vector>

#include "client/engine.hpp"
#include "cli/options.hpp"
#include "net/address.hpp"

namespace sshuttle::app {

/// Local mode (no -r): the local server marks its own outgoing sockets with this fwmark so that the firewall
/// never redirects them back into the tunnel. 0 when a remote server is used.
inline uint32_t local_bypass_mark(const cli::Options& options) { return options.remote ? 0 : 0x5ea70000u; }

/// -N: the server's routes that may be captured, logged at info level. Loopback (127.0.0.0/8, ::1) never is:
/// a route inside it is dropped with a warning, and a route that covers it (0.0.0.0/0, ::/0...) adds its
/// exclusion to `excludes`. 0.0.0.0/0 and ::/0 are allowed, with a warning.
std::vector<net::Subnet> server_routes_to_capture(const std::vector<client::Route>& server_routes,
                                                  std::vector<net::Subnet>& excludes);

/// Includes (plus the server's routes with -N, see server_routes_to_capture), then excludes. Excludes always
/// cover our own listen addresses (unless the user included one on purpose) and the ssh server's addresses.
/// IPv6 entries are dropped with a warning when ipv6 is false.
std::vector<net::Subnet> build_rules(const cli::Options& options, const std::vector<net::Endpoint>& listen_addresses,
                                     const std::vector<net::IpAddress>& ssh_addresses,
                                     const std::vector<client::Route>& server_routes, bool ipv6);

}  // namespace sshuttle::app
