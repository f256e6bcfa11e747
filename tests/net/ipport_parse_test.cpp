// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/ipport_parse.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/parse_error.hpp"

using namespace sshuttle::net;

TEST_CASE("ipport: listen forms") {
    CHECK(parse_ipport("12300").to_string() == "0.0.0.0:12300");  // bare port = all IPv4 addresses
    CHECK(parse_ipport("127.0.0.1:0").to_string() == "127.0.0.1:0");
    CHECK(parse_ipport("127.0.0.1").to_string() == "127.0.0.1:0");
    CHECK(parse_ipport("[::1]:12300").to_string() == "[::1]:12300");
    CHECK(parse_ipport("[::]").to_string() == "[::]:0");
    CHECK(parse_ipport("0.0.0.0:53").address.family == Family::kIPv4);
}

TEST_CASE("ipport: a name with several addresses uses the lowest, IPv4 first") {
    std::vector<std::string> warnings;
    const Endpoint endpoint = parse_ipport("localhost:8080", &warnings);
    CHECK(endpoint.to_string() == "127.0.0.1:8080");
    CHECK(warnings.size() <= 1);
}

TEST_CASE("ipport: --to-ns also takes ip@port") {
    CHECK(parse_to_ns("192.0.2.53@5353").to_string() == "192.0.2.53:5353");
    CHECK(parse_to_ns("2001:db8::53@53").to_string() == "[2001:db8::53]:53");
    CHECK(parse_to_ns("192.0.2.53").to_string() == "192.0.2.53:0");
    CHECK(parse_to_ns("[2001:db8::53]:53").to_string() == "[2001:db8::53]:53");
}

TEST_CASE("ipport: errors") {
    CHECK_THROWS_WITH_AS(parse_ipport("1.2.3.4:99999"), "invalid address '1.2.3.4:99999': port 99999 > 65535",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse_ipport("70000"), "invalid address '70000': port 70000 > 65535", ParseError);
    CHECK_THROWS_WITH_AS(parse_ipport("[::1]x"),
                         "invalid address '[::1]x': expected [IP:]PORT, [IPv6]:PORT or HOST[:PORT]", ParseError);
    CHECK_THROWS_WITH_AS(parse_ipport("::1:80"),
                         "invalid address '::1:80': expected [IP:]PORT, [IPv6]:PORT or HOST[:PORT]", ParseError);
    CHECK_THROWS_WITH_AS(parse_to_ns("dns@x"), "invalid address 'dns@x': expected IP@PORT", ParseError);
    CHECK_THROWS_WITH_AS(parse_to_ns("192.0.2.1@70000"), "invalid address '192.0.2.1@70000': port 70000 > 65535",
                         ParseError);
}

TEST_CASE("ipport: a 50 KB argument is one short error, not a stack overflow in the pattern matcher") {
    for (const std::string& huge : {std::string(50000, 'a'), "[" + std::string(50000, '1') + "]:1"}) {
        try {
            parse_ipport(huge);
            FAIL("no error");
        } catch (const ParseError& e) {
            const std::string what = e.what();
            CHECK(what.find("50") != std::string::npos);
            CHECK(what.find("bytes long, at most 512") != std::string::npos);
            CHECK(what.size() < 200);
        }
    }
}
