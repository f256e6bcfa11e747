// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/address.hpp"

#include <doctest/doctest.h>

#include "support/addresses.hpp"

using namespace sshuttle::net;
using sshuttle::test::ip;

TEST_CASE("address: parses and prints IPv4 and IPv6") {
    CHECK(ip("192.0.2.1").family == Family::kIPv4);
    CHECK(ip("192.0.2.1").to_string() == "192.0.2.1");
    CHECK(ip("2001:DB8:0:0::1").family == Family::kIPv6);
    CHECK(ip("2001:DB8:0:0::1").to_string() == "2001:db8::1");
    CHECK(ip("::ffff:192.0.2.1").to_string() == "::ffff:192.0.2.1");
}

TEST_CASE("address: parse is strict and numeric only") {
    IpAddress address;
    for (const char* bad :
         {"", "10", "10/8", "192.0.2.256", "localhost", "[::1]", "2001:db8::1%eth0", " 1.2.3.4"}) {
        CAPTURE(bad);
        CHECK_FALSE(IpAddress::parse(bad, address));
    }
}

TEST_CASE("address: subnet and endpoint text forms") {
    Subnet subnet{ip("10.0.0.0"), 8};
    CHECK(subnet.to_string() == "10.0.0.0/8");
    subnet.port_first = subnet.port_last = 80;
    CHECK(subnet.to_string() == "10.0.0.0/8:80");
    subnet.port_last = 90;
    CHECK(subnet.to_string() == "10.0.0.0/8:80-90");
    Subnet v6{ip("2001:db8::"), 32};
    CHECK(v6.to_string() == "2001:db8::/32");
    v6.port_first = v6.port_last = 443;
    CHECK(v6.to_string() == "[2001:db8::/32]:443");
    CHECK(Endpoint{ip("127.0.0.1"), 12300}.to_string() == "127.0.0.1:12300");
    CHECK(Endpoint{ip("::1"), 0}.to_string() == "[::1]:0");
}
