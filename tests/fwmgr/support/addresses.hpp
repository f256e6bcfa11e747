// SPDX-License-Identifier: LGPL-2.1-or-later
// Short constructors for addresses and rules in tests.
#pragma once

#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "net/address.hpp"

namespace sshuttle::fwmgr::testing {

inline net::IpAddress ip(const std::string& text) {
    net::IpAddress out;
    out.family = text.find(':') != std::string::npos ? net::Family::kIPv6 : net::Family::kIPv4;
    int af = out.family == net::Family::kIPv6 ? AF_INET6 : AF_INET;
    if (inet_pton(af, text.c_str(), out.bytes.data()) != 1) throw std::invalid_argument("bad test address " + text);
    return out;
}

inline net::Subnet rule(const std::string& address, int prefix, bool exclude = false, uint16_t first = 0,
                        uint16_t last = 0) {
    net::Subnet s;
    s.address = ip(address);
    s.prefix = prefix;
    s.exclude = exclude;
    s.port_first = first;
    s.port_last = last;
    return s;
}

}  // namespace sshuttle::fwmgr::testing
