// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/nameservers.hpp"

#include "net/asio_address.hpp"
#include "net/resolv_conf.hpp"

namespace sshuttle::server {

boost::asio::ip::udp::endpoint to_dns_endpoint(const net::Endpoint& endpoint) {
    return {net::to_asio(endpoint.address), endpoint.port == 0 ? uint16_t{53} : endpoint.port};
}

std::vector<boost::asio::ip::udp::endpoint> dns_servers(const std::optional<net::Endpoint>& to_ns,
                                                        const std::string& resolv_conf_path) {
    if (to_ns) return {to_dns_endpoint(*to_ns)};
    std::vector<boost::asio::ip::udp::endpoint> servers;
    for (const auto& address : net::read_resolv_conf(resolv_conf_path))
        servers.push_back(to_dns_endpoint({address, 53}));
    if (servers.empty()) servers.emplace_back(boost::asio::ip::make_address_v4("127.0.0.1"), 53);
    return servers;
}

}  // namespace sshuttle::server
