// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/listener_set.hpp"

#include <algorithm>

#include "app/dns_listeners.hpp"
#include "app/udp_listeners.hpp"
#include "util/log.hpp"

namespace sshuttle::app {

ListenerSet::ListenerSet(const cli::Options& options, plugin::FirewallPlugin& method, bool ipv6, bool udp,
                         bool capture_dns) {
    std::vector<net::Endpoint> wanted = options.listen_given ? options.listen : default_listen_addresses(ipv6);
    if (!ipv6) std::erase_if(wanted, [](const net::Endpoint& e) { return e.address.family == net::Family::kIPv6; });
    auto prepare = [&method](bool datagram) {
        return [&method, datagram](int fd, net::Family family) {
            if (method.has_prepare_listener())
                method.prepare_listener(fd, family == net::Family::kIPv4 ? SSHUTTLE_AF_INET : SSHUTTLE_AF_INET6,
                                        datagram);
        };
    };
    tcp_ = bind_tcp_listeners(wanted, prepare(false));
    for (const auto& l : tcp_) {
        spdlog::debug("listening on {}", l.address.to_string());
        addresses_.push_back(l.address);
    }
    if (udp) udp_ = bind_udp_listeners(addresses_, prepare(true));

    if (capture_dns) {
        dns_ = bind_dns_listeners(addresses_, tcp_.front().address.port, prepare(true));
        spdlog::debug("DNS listener on port {}", dns_.front().address.port);
    }
}

fwmgr::Ports ListenerSet::ports() const {
    fwmgr::Ports ports;
    for (const auto& l : tcp_)
        (l.address.address.family == net::Family::kIPv4 ? ports.tcp_v4 : ports.tcp_v6) = l.address.port;
    for (const auto& l : dns_)
        (l.address.address.family == net::Family::kIPv4 ? ports.dns_v4 : ports.dns_v6) = l.address.port;
    return ports;
}

bool ListenerSet::is_own(const net::Endpoint& ep) const {
    return std::any_of(tcp_.begin(), tcp_.end(), [&](const Listener& l) {
        return l.address.port == ep.port && l.address.address == ep.address;
    });
}

}  // namespace sshuttle::app
