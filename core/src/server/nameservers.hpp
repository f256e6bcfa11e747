// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the server sends DNS_REQ queries: --to-ns, else a nameserver from /etc/resolv.conf, else 127.0.0.1.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::server {

/// An Endpoint as an Asio UDP endpoint (port 0 means 53).
boost::asio::ip::udp::endpoint to_dns_endpoint(const net::Endpoint& endpoint);

/// The candidates for one query: to_ns alone when given, else resolv.conf's nameservers (net::read_resolv_conf)
/// at port 53, else 127.0.0.1:53.
std::vector<boost::asio::ip::udp::endpoint> dns_servers(const std::optional<net::Endpoint>& to_ns,
                                                        const std::string& resolv_conf_path = "/etc/resolv.conf");

}  // namespace sshuttle::server
