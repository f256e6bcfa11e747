// SPDX-License-Identifier: LGPL-2.1-or-later
// The ASCII payloads of the mux commands, formatted and parsed exactly as upstream does (section 2 of the
// protocol reference): TCP_CONNECT "fam,ip,port", ROUTES "fam,ip,width\n" lines, HOST_LIST "name,ip\n" lines,
// UDP_DATA "ip,port," + datagram. Parsers validate every field and report the offending text.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio_address.hpp"

namespace sshuttle::mux {

/// Address family numbers as they travel on the wire (Linux values, like upstream's socket.AF_*).
inline constexpr int kWireFamilyIPv4 = 2;
inline constexpr int kWireFamilyIPv6 = 10;

/// The wire family number for an address.
int wire_family(const boost::asio::ip::address& address);

struct ConnectRequest {
    boost::asio::ip::address address;
    uint16_t port = 0;
};
std::string format_tcp_connect(const ConnectRequest& request);
/// Like upstream's server, any family other than 2 means IPv6; the address must match it.
std::optional<ConnectRequest> parse_tcp_connect(std::span<const uint8_t> payload, std::string& error);

struct RouteLine {
    boost::asio::ip::address address;
    int width = 0;
};
std::string format_routes(const std::vector<RouteLine>& routes);
/// Parses every line; a bad line fails the whole payload (error names it).
std::optional<std::vector<RouteLine>> parse_routes(std::span<const uint8_t> payload, std::string& error);

/// Splits complete '\n'-terminated lines out of buffer (HOST_LIST may split a line across frames); the
/// unterminated rest stays in buffer.
std::vector<std::string> take_complete_lines(std::string& buffer);

struct UdpDatagram {
    boost::asio::ip::address address;
    uint16_t port = 0;
    std::span<const uint8_t> data;
};
std::vector<uint8_t> format_udp_data(const boost::asio::ip::address& address, uint16_t port,
                                     std::span<const uint8_t> data);
std::optional<UdpDatagram> parse_udp_data(std::span<const uint8_t> payload, std::string& error);

/// Payload bytes as a string_view (the ASCII payloads).
inline std::string_view as_text(std::span<const uint8_t> payload) {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
}
inline std::span<const uint8_t> text_bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace sshuttle::mux
