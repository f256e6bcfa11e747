// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/address.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <string>

#include "net/asio_address.hpp"

namespace sshuttle::net {

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    const int af = family == Family::kIPv4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes.data(), text, sizeof text) == nullptr) return "?";
    return text;
}

bool IpAddress::parse(const std::string& text, IpAddress& out) {
    // The one text parser (parse_address), without the zone ids it accepts: an IpAddress has no scope.
    if (text.find('%') != std::string::npos) return false;
    const auto address = parse_address(text);
    if (!address) return false;
    out = from_asio(*address);
    return true;
}

std::string Subnet::to_string() const {
    std::string text = address.to_string() + "/" + std::to_string(prefix);
    if (port_first == 0) return text;
    // A port after an IPv6 address needs brackets, with the mask inside them (upstream's syntax).
    if (address.family == Family::kIPv6) text = "[" + text + "]";
    text += ":" + std::to_string(port_first);
    if (port_last != port_first) text += "-" + std::to_string(port_last);
    return text;
}

std::string Endpoint::to_string() const {
    const std::string host = address.to_string();
    if (address.family == Family::kIPv6) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

}  // namespace sshuttle::net
