// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "mux/payloads.hpp"

using namespace sshuttle::mux;

TEST_CASE("payloads: TCP_CONNECT round trip for IPv4 and IPv6") {
    std::string error;
    const auto v4 = format_tcp_connect({*sshuttle::net::parse_address("10.1.2.3"), 443});
    CHECK(v4 == "2,10.1.2.3,443");
    const auto v6 = format_tcp_connect({*sshuttle::net::parse_address("2001:db8::1"), 80});
    CHECK(v6 == "10,2001:db8::1,80");
    auto parsed = parse_tcp_connect(text_bytes(v6), error);
    REQUIRE(parsed);
    CHECK(parsed->address == *sshuttle::net::parse_address("2001:db8::1"));
    CHECK(parsed->port == 80);
    // Upstream maps any family other than 2 to IPv6 (e.g. 30 = AF_INET6 on macOS).
    CHECK(parse_tcp_connect(text_bytes("30,2001:db8::2,22"), error));
}

TEST_CASE("payloads: malformed TCP_CONNECT names the payload") {
    std::string error;
    CHECK_FALSE(parse_tcp_connect(text_bytes("2,10.0.0.1"), error));
    CHECK(error == "invalid TCP_CONNECT '2,10.0.0.1': expected 'family,ip,port'");
    CHECK_FALSE(parse_tcp_connect(text_bytes("2,2001:db8::1,80"), error));
    CHECK(error == "invalid TCP_CONNECT '2,2001:db8::1,80': bad address for family 2");
    CHECK_FALSE(parse_tcp_connect(text_bytes("2,10.0.0.1,65536"), error));
    CHECK(error == "invalid TCP_CONNECT '2,10.0.0.1,65536': bad port");
    CHECK_FALSE(parse_tcp_connect(text_bytes("x,10.0.0.1,1"), error));
    CHECK_FALSE(parse_tcp_connect(text_bytes("2,host.example,1"), error));
}

TEST_CASE("payloads: ROUTES lines") {
    std::string error;
    const std::vector<RouteLine> routes = {{*sshuttle::net::parse_address("192.0.2.0"), 24},
                                           {*sshuttle::net::parse_address("2001:db8::"), 32}};
    const auto text = format_routes(routes);
    CHECK(text == "2,192.0.2.0,24\n10,2001:db8::,32\n");
    auto parsed = parse_routes(text_bytes(text), error);
    REQUIRE(parsed);
    CHECK(parsed->size() == 2);
    CHECK((*parsed)[1].width == 32);
    CHECK(parse_routes(text_bytes(""), error)->empty());
    CHECK_FALSE(parse_routes(text_bytes("2,192.0.2.0,33\n"), error));
    CHECK(error == "invalid route '2,192.0.2.0,33': expected 'family,ip,width'");
    CHECK_FALSE(parse_routes(text_bytes("2,192.0.2.0,24"), error));
    CHECK(error == "invalid route '2,192.0.2.0,24': line not terminated");
}

TEST_CASE("payloads: host lines split across frames") {
    std::string buffer = "a,192.0.2.1\nb,19";
    CHECK(take_complete_lines(buffer) == std::vector<std::string>{"a,192.0.2.1"});
    CHECK(buffer == "b,19");
    buffer += "2.0.2.2\n";
    CHECK(take_complete_lines(buffer) == std::vector<std::string>{"b,192.0.2.2"});
    CHECK(buffer.empty());
}

TEST_CASE("payloads: UDP_DATA keeps commas inside the datagram") {
    std::string error;
    const std::vector<uint8_t> data = {'x', ',', 'y', 0, 0xff};
    const auto encoded = format_udp_data(*sshuttle::net::parse_address("198.51.100.7"), 53, data);
    auto parsed = parse_udp_data(encoded, error);
    REQUIRE(parsed);
    CHECK(parsed->address == *sshuttle::net::parse_address("198.51.100.7"));
    CHECK(parsed->port == 53);
    CHECK(std::vector<uint8_t>(parsed->data.begin(), parsed->data.end()) == data);
    CHECK_FALSE(parse_udp_data(text_bytes("198.51.100.7;53;x"), error));
    CHECK(error == "invalid UDP_DATA header '198.51.100.7;53;x': expected 'ip,port,'");
}
