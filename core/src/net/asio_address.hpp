// SPDX-License-Identifier: LGPL-2.1-or-later
// Addresses as Boost.Asio holds them (the mux payloads, the server's sockets, the client's connections) and
// their conversions to and from IpAddress: the one place that turns text into an address (IpAddress::parse
// is this parser without zone ids).
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string_view>

#include "net/address.hpp"

namespace sshuttle::net {

/// A numeric IPv4 or IPv6 address, never a name: inet_pton's forms, and an IPv6 zone id ("fe80::1%eth0",
/// which upstream's client may send and /etc/hosts may hold) kept as the scope id.
std::optional<boost::asio::ip::address> parse_address(std::string_view text);

boost::asio::ip::address to_asio(const IpAddress& address);
/// The scope id of an IPv6 address is dropped: IpAddress has none.
IpAddress from_asio(const boost::asio::ip::address& address);

/// `Endpoint`'s counterpart in Asio, `Proto` being boost::asio::ip::tcp or udp.
template <typename Proto>
typename Proto::endpoint to_asio(const Endpoint& endpoint) {
    return {to_asio(endpoint.address), endpoint.port};
}
template <typename AsioEndpoint>
Endpoint endpoint_from_asio(const AsioEndpoint& endpoint) {
    return {from_asio(endpoint.address()), endpoint.port()};
}

}  // namespace sshuttle::net
