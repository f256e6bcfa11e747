// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/asio_address.hpp"

#include <algorithm>
#include <string>

namespace sshuttle::net {

std::optional<boost::asio::ip::address> parse_address(std::string_view text) {
    // Asio hands the text to inet_pton as a C string: an embedded NUL would hide whatever follows it.
    if (text.find('\0') != std::string_view::npos) return std::nullopt;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return address;
}

boost::asio::ip::address to_asio(const IpAddress& address) {
    const auto& b = address.bytes;
    if (address.family == Family::kIPv4) return boost::asio::ip::address_v4({b[0], b[1], b[2], b[3]});
    return boost::asio::ip::address_v6(b);
}

IpAddress from_asio(const boost::asio::ip::address& address) {
    IpAddress out;
    if (address.is_v4()) {
        const auto bytes = address.to_v4().to_bytes();
        std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
    } else {
        out.family = Family::kIPv6;
        const auto bytes = address.to_v6().to_bytes();
        std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
    }
    return out;
}

}  // namespace sshuttle::net
