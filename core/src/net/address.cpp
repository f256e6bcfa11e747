// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/address.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <string>

namespace sshuttle::net {

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    const int af = family == Family::kIPv4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes.data(), text, sizeof text) == nullptr) return "?";
    return text;
}

bool IpAddress::parse(const std::string& text, IpAddress& out) {
    // inet_pton reads a C string: an embedded NUL would hide whatever follows it.
    if (text.find('\0') != std::string::npos) return false;
    IpAddress parsed;
    // inet_pton is strict (dotted quad only), unlike inet_aton: numeric shorthands such as `10/8` are the
    // subnet parser's business, where upstream's getaddrinfo semantics apply.
    if (inet_pton(AF_INET, text.c_str(), parsed.bytes.data()) == 1) {
        parsed.family = Family::kIPv4;
    } else if (inet_pton(AF_INET6, text.c_str(), parsed.bytes.data()) == 1) {
        parsed.family = Family::kIPv6;
    } else {
        return false;
    }
    out = parsed;
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
