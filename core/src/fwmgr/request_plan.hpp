// SPDX-License-Identifier: LGPL-2.1-or-later
// Turns what the client sent (ROUTES, NSLIST, PORTS, GO) into one firewall request per address family.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fwmgr/line_protocol.hpp"
#include "plugin/firewall_request.hpp"

namespace sshuttle::fwmgr {

/// Everything the client sends before the rules go in.
struct InstallOrder {
    std::vector<net::Subnet> routes;
    std::vector<net::IpAddress> nameservers;
    Ports ports;
    GoFields go;
};

/// One request per family whose TCP or DNS port is non-zero, IPv6 first then IPv4 (upstream's order), each
/// with only that family's rules (sorted with net::sort_rules) and nameservers.
std::vector<plugin::FirewallRequest> plan_requests(const InstallOrder& order);

/// Empty when a method with these SSHUTTLE_FEAT_* bits can serve the requests; else the reason, naming method.
std::string unsupported_reason(const std::vector<plugin::FirewallRequest>& requests, const std::string& method,
                               uint64_t features);

/// "IPv6" or "IPv4", for log lines.
const char* family_name(net::Family family);

}  // namespace sshuttle::fwmgr
