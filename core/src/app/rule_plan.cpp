// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/rule_plan.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace sshuttle::app {
namespace {

net::Subnet host_rule(const net::IpAddress& address, bool exclude) {
    net::Subnet s;
    s.address = address;
    s.prefix = address.max_prefix();
    s.exclude = exclude;
    return s;
}

bool includes_address(const std::vector<net::Subnet>& subnets, const net::IpAddress& address) {
    return std::any_of(subnets.begin(), subnets.end(), [&](const net::Subnet& s) {
        return s.address == address && s.prefix == address.max_prefix();
    });
}

}  // namespace

std::vector<net::Subnet> build_rules(const cli::Options& options, const std::vector<net::Endpoint>& listen_addresses,
                                     const std::vector<net::IpAddress>& ssh_addresses,
                                     const std::vector<client::Route>& server_routes, bool ipv6) {
    std::vector<net::Subnet> rules;
    auto keep = [&](const net::Subnet& s) {
        if (s.address.family == net::Family::kIPv6 && !ipv6) {
            spdlog::warn("IPv6 is off: ignoring {}", s.to_string());
            return;
        }
        rules.push_back(s);
    };
    for (auto s : options.subnets) {
        s.exclude = false;
        keep(s);
    }
    if (options.auto_nets) {
        for (const auto& r : server_routes) {
            net::Subnet s;
            s.address = r.address;
            s.prefix = r.prefix;
            keep(s);
        }
    }
    for (auto s : options.excludes) {
        s.exclude = true;
        keep(s);
    }
    for (const auto& l : listen_addresses) {
        if (!includes_address(options.subnets, l.address)) keep(host_rule(l.address, true));
    }
    for (const auto& a : ssh_addresses) keep(host_rule(a, true));
    return rules;
}

}  // namespace sshuttle::app
