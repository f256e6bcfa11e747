// SPDX-License-Identifier: LGPL-2.1-or-later
// The one text parser of addresses (parse_address, which IpAddress::parse narrows) and the conversions between
// IpAddress/Endpoint, Asio's types and socket addresses.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <string>

#include "net/asio_address.hpp"
#include "net/sockaddr.hpp"
#include "support/addresses.hpp"

using namespace sshuttle::net;
using sshuttle::test::ip;

TEST_CASE("parse_address: numeric only; an IPv6 zone id kept as the scope id, which IpAddress::parse refuses") {
    CHECK(parse_address("192.0.2.1")->to_string() == "192.0.2.1");
    CHECK(parse_address("2001:db8::1")->is_v6());
    const auto scoped = parse_address("fe80::1%1");
    REQUIRE(scoped);
    CHECK(scoped->to_v6().scope_id() == 1);
    IpAddress address;
    CHECK_FALSE(IpAddress::parse("fe80::1%1", address));
    for (const char* bad : {"", "10", "10.1", "192.0.2.256", "localhost", "[::1]", " 1.2.3.4"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_address(bad));
        CHECK_FALSE(IpAddress::parse(bad, address));
    }
    // An embedded NUL is not the end of the text.
    CHECK_FALSE(parse_address(std::string("192.0.2.1\0junk", 14)));
    CHECK_FALSE(IpAddress::parse(std::string("192.0.2.1\0junk", 14), address));
}

TEST_CASE("asio conversions keep family and bytes both ways") {
    for (const char* text : {"192.0.2.1", "0.0.0.0", "2001:db8::7", "::ffff:192.0.2.1", "::"}) {
        CAPTURE(text);
        const IpAddress address = ip(text);
        CHECK(to_asio(address).to_string() == address.to_string());
        CHECK(from_asio(to_asio(address)) == address);
    }
    const Endpoint endpoint{ip("2001:db8::7"), 443};
    const auto tcp = to_asio<boost::asio::ip::tcp>(endpoint);
    CHECK(tcp.port() == 443);
    CHECK(endpoint_from_asio(tcp) == endpoint);
    const auto udp = to_asio<boost::asio::ip::udp>(Endpoint{ip("192.0.2.9"), 53});
    CHECK(endpoint_from_asio(udp).to_string() == "192.0.2.9:53");
    CHECK(from_asio(*parse_address("fe80::1%1")) == ip("fe80::1"));  // the scope id is dropped
}

TEST_CASE("socket addresses: both families, port in network order, other families refused") {
    for (const Endpoint endpoint : {Endpoint{ip("192.0.2.1"), 80}, Endpoint{ip("2001:db8::1"), 8080}}) {
        CAPTURE(endpoint.to_string());
        socklen_t len = 0;
        const sockaddr_storage storage = to_sockaddr(endpoint, len);
        CHECK(len == (endpoint.address.family == Family::kIPv4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
        CHECK(endpoint_from_sockaddr(reinterpret_cast<const sockaddr*>(&storage)) == endpoint);
    }
    socklen_t len = 0;
    const sockaddr_storage v4 = to_sockaddr(Endpoint{ip("192.0.2.1"), 0x1234}, len);
    CHECK(reinterpret_cast<const sockaddr_in*>(&v4)->sin_port == htons(0x1234));
    sockaddr_storage unix_address{};
    unix_address.ss_family = AF_UNIX;
    CHECK_FALSE(endpoint_from_sockaddr(reinterpret_cast<const sockaddr*>(&unix_address)));
}

TEST_CASE("socket_family: from the socket's own address") {
    const int v4 = socket(AF_INET, SOCK_DGRAM, 0);
    const int v6 = socket(AF_INET6, SOCK_DGRAM, 0);
    REQUIRE(v4 >= 0);
    CHECK(socket_family(v4) == Family::kIPv4);
    if (v6 >= 0) CHECK(socket_family(v6) == Family::kIPv6);  // a kernel without IPv6 has no such socket
    CHECK(socket_family(-1) == Family::kIPv4);
    close(v4);
    if (v6 >= 0) close(v6);
}

TEST_CASE("local_endpoint and peer_endpoint: a connected loopback pair seen from both ends") {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener, reinterpret_cast<const sockaddr*>(&any), sizeof any) == 0);
    REQUIRE(listen(listener, 1) == 0);
    const auto listening = local_endpoint(listener);
    REQUIRE(listening);
    CHECK(listening->address.to_string() == "127.0.0.1");
    CHECK(listening->port != 0);
    CHECK_FALSE(peer_endpoint(listener));  // not connected
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t to_length = 0;
    const sockaddr_storage to = to_sockaddr(*listening, to_length);
    REQUIRE(connect(client, reinterpret_cast<const sockaddr*>(&to), to_length) == 0);
    const int accepted = accept(listener, nullptr, nullptr);
    REQUIRE(accepted >= 0);
    CHECK(peer_endpoint(client) == listening);
    CHECK(peer_endpoint(accepted) == local_endpoint(client));
    CHECK_FALSE(local_endpoint(-1));
    close(accepted);
    close(client);
    close(listener);
}
