// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/nameservers.hpp"

#include <fstream>
#include <sstream>

#include "mux/payloads.hpp"

namespace sshuttle::server {

std::vector<boost::asio::ip::udp::endpoint> parse_resolv_conf(const std::string& text) {
    std::vector<boost::asio::ip::udp::endpoint> servers;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string keyword, value;
        if (!(words >> keyword >> value) || keyword != "nameserver") continue;
        // A zone id ("fe80::1%eth0") is meaningless to the peer and breaks parsing (upstream #736).
        if (auto address = mux::parse_ip(value.substr(0, value.find('%')))) servers.emplace_back(*address, 53);
    }
    return servers;
}

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
    std::ifstream file(resolv_conf_path);
    std::stringstream text;
    text << file.rdbuf();
    auto servers = parse_resolv_conf(text.str());
    if (servers.empty()) servers.emplace_back(boost::asio::ip::make_address_v4("127.0.0.1"), 53);
    return servers;
}

}  // namespace sshuttle::server
