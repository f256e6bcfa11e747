// SPDX-License-Identifier: LGPL-2.1-or-later
// Test support: an address from its text (the test fails on a bad one), and addresses back as texts.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::test {

inline net::IpAddress ip(const std::string& text) {
    net::IpAddress address;
    REQUIRE(net::IpAddress::parse(text, address));
    return address;
}

inline std::vector<std::string> texts(const std::vector<net::IpAddress>& addresses) {
    std::vector<std::string> out;
    for (const auto& a : addresses) out.push_back(a.to_string());
    return out;
}

}  // namespace sshuttle::test
