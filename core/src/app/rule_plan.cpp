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

/// The first `prefix` bits of a and b are equal.
bool same_prefix(const net::IpAddress& a, const net::IpAddress& b, int prefix) {
    for (int bit = 0; bit < prefix; ++bit) {
        const int shift = 7 - bit % 8;
        if (((a.bytes[bit / 8] >> shift) & 1) != ((b.bytes[bit / 8] >> shift) & 1)) return false;
    }
    return true;
}

/// 127.0.0.0/8 or ::1/128.
net::Subnet loopback_of(net::Family family) {
    net::Subnet s;
    s.address.family = family;
    if (family == net::Family::kIPv4) {
        s.address.bytes[0] = 127;
        s.prefix = 8;
    } else {
        s.address.bytes[15] = 1;
        s.prefix = 128;
    }
    return s;
}

}  // namespace

std::vector<net::Subnet> server_routes_to_capture(const std::vector<client::Route>& server_routes,
                                                  std::vector<net::Subnet>& excludes) {
    std::vector<net::Subnet> captured;
    bool loopback_excluded[2] = {false, false};
    for (const auto& r : server_routes) {
        net::Subnet s;
        s.address = r.address;
        s.prefix = r.prefix;
        const net::Subnet loopback = loopback_of(r.family);
        const bool inside_loopback =
            s.prefix >= loopback.prefix && same_prefix(s.address, loopback.address, loopback.prefix);
        if (inside_loopback) {
            spdlog::warn("-N: ignoring the server's route {}: loopback is never captured", s.to_string());
            continue;
        }
        if (s.prefix == 0)
            spdlog::warn("-N: the server announced {}: all {} traffic goes through the tunnel", s.to_string(),
                         r.family == net::Family::kIPv4 ? "IPv4" : "IPv6");
        // A wide route would capture loopback too (and the local services on it): it is excluded explicitly.
        const int index = r.family == net::Family::kIPv4 ? 0 : 1;
        if (same_prefix(s.address, loopback.address, s.prefix) && !loopback_excluded[index]) {
            net::Subnet exclude = loopback;
            exclude.exclude = true;
            excludes.push_back(exclude);
            loopback_excluded[index] = true;
        }
        captured.push_back(s);
    }
    std::string shown;
    for (const auto& s : captured) shown += (shown.empty() ? "" : ", ") + s.to_string();
    spdlog::info("-N: capturing the server's routes: {}", shown.empty() ? "none" : shown);
    return captured;
}

std::vector<net::Subnet> build_rules(const cli::Options& options, const std::vector<net::Endpoint>& listen_addresses,
                                     const std::vector<net::IpAddress>& ssh_addresses,
                                     const std::vector<client::Route>& server_routes, bool ipv6) {
    std::vector<net::Subnet> rules;
    // Without an IPv6 listener there is nothing to redirect IPv6 to, whatever the method could do (an empty list
    // says nothing about the listeners).
    const bool v6_listener = listen_addresses.empty() || std::any_of(listen_addresses.begin(), listen_addresses.end(), [](const net::Endpoint& e) {
        return e.address.family == net::Family::kIPv6;
    });
    const bool use_v6 = ipv6 && v6_listener;
    std::string ignored;  // the user's IPv6 subnets, named in one warning
    auto keep = [&](const net::Subnet& s) {
        if (s.address.family == net::Family::kIPv6 && !use_v6) {
            ignored += (ignored.empty() ? "" : ", ") + s.to_string();
            return;
        }
        rules.push_back(s);
    };
    for (auto s : options.subnets) {
        s.exclude = false;
        keep(s);
    }
    std::vector<net::Subnet> route_excludes;
    if (options.auto_nets) {
        for (const auto& s : server_routes_to_capture(server_routes, route_excludes)) keep(s);
    }
    for (const auto& s : route_excludes) keep(s);
    for (auto s : options.excludes) {
        s.exclude = true;
        keep(s);
    }
    if (!ignored.empty()) {
        spdlog::warn("IPv6 subnets were ignored because IPv6 is {}: {}",
                     ipv6 ? "not listened on (no IPv6 address in --listen)" : "disabled", ignored);
    }
    // Our own exclusions: dropped silently where the family is not redirected anyway.
    auto keep_own = [&](const net::Subnet& s) {
        if (s.address.family == net::Family::kIPv4 || use_v6) rules.push_back(s);
    };
    for (const auto& l : listen_addresses) {
        if (!includes_address(options.subnets, l.address)) keep_own(host_rule(l.address, true));
    }
    for (const auto& a : ssh_addresses) keep_own(host_rule(a, true));
    return rules;
}

}  // namespace sshuttle::app
