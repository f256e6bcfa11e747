// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/nameservers.hpp"

#include "net/resolv_conf.hpp"

namespace sshuttle::server {

boost::asio::ip::udp::endpoint to_dns_endpoint(const net::Endpoint& endpoint) {
    const uint16_t port = endpoint.port == 0 ? 53 : endpoint.port;
    const auto& b = endpoint.address.bytes;
    if (endpoint.address.family == net::Family::kIPv4) {
        return {boost::asio::ip::address_v4({b[0], b[1], b[2], b[3]}), port};
    }
    return {boost::asio::ip::address_v6(b), port};
}

std::vector<boost::asio::ip::udp::endpoint> dns_servers(const std::optional<net::Endpoint>& to_ns,
                                                        const std::string& resolv_conf_path) {
    if (to_ns) return {to_dns_endpoint(*to_ns)};
    std::vector<boost::asio::ip::udp::endpoint> servers;
    for (const auto& address : net::read_resolv_conf(resolv_conf_path)) servers.push_back(to_dns_endpoint({address, 53}));
    if (servers.empty()) servers.emplace_back(boost::asio::ip::make_address_v4("127.0.0.1"), 53);
    return servers;
}

}  // namespace sshuttle::server
