// SPDX-License-Identifier: LGPL-2.1-or-later
// Value types for addresses, subnets and endpoints shared by the whole core.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace sshuttle::net {

enum class Family { kIPv4 = 4, kIPv6 = 6 };

/// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct IpAddress {
    Family family = Family::kIPv4;
    std::array<uint8_t, 16> bytes{};

    int max_prefix() const { return family == Family::kIPv4 ? 32 : 128; }
    std::string to_string() const;
    /// Parses a numeric address as inet_pton does (no name resolution, no zone id, none of inet_aton's
    /// shorthands such as `10.1`: those are the subnet parser's business); false when text is not one.
    static bool parse(const std::string& text, IpAddress& out);
    auto operator<=>(const IpAddress&) const = default;
};

/// A subnet with an optional port range, as written on the command line (`10.0.0.0/8:80-90`).
struct Subnet {
    IpAddress address;
    int prefix = 32;
    uint16_t port_first = 0;  // 0 = all ports
    uint16_t port_last = 0;
    bool exclude = false;

    /// `10.0.0.0/8`, `10.0.0.0/8:80`, `[2001:db8::/32]:80-90`.
    std::string to_string() const;
    auto operator<=>(const Subnet&) const = default;
};

/// An address plus port (listen address, --to-ns, a connection's destination).
struct Endpoint {
    IpAddress address;
    uint16_t port = 0;

    /// `1.2.3.4:80` or `[::1]:80`.
    std::string to_string() const;
    auto operator<=>(const Endpoint&) const = default;
};

}  // namespace sshuttle::net
