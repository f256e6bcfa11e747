// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "client/connection_table.hpp"

using namespace sshuttle;

namespace {

net::Endpoint endpoint(const char* text, uint16_t port) {
    net::Endpoint e;
    REQUIRE(net::IpAddress::parse(text, e.address));
    e.port = port;
    return e;
}

}  // namespace

TEST_CASE("connection table: open connections with destination and bytes; closed ones stay in the totals") {
    client::ConnectionTable table;
    auto first_alive = std::make_shared<int>(1);
    auto second_alive = std::make_shared<int>(2);
    auto first = table.add(1, endpoint("192.0.2.1", 40000), endpoint("198.51.100.2", 80), first_alive);
    auto second = table.add(2, endpoint("192.0.2.1", 40001), endpoint("203.0.113.3", 443), second_alive);
    first->from_socket += 100;
    first->to_socket += 5000;
    second->to_socket += 7;

    auto snapshot = table.snapshot();
    REQUIRE(snapshot.open.size() == 2);
    CHECK(snapshot.open[0].destination.to_string() == "198.51.100.2:80");
    CHECK(snapshot.open[0].source.to_string() == "192.0.2.1:40000");
    CHECK(snapshot.open[0].bytes_up == 100);
    CHECK(snapshot.open[0].bytes_down == 5000);
    CHECK(snapshot.open[1].destination.to_string() == "203.0.113.3:443");
    CHECK(snapshot.bytes_up == 100);
    CHECK(snapshot.bytes_down == 5007);
    CHECK(snapshot.connections_opened == 2);

    first_alive.reset();  // the first connection's channel is gone
    first->to_socket += 1;  // its last write completed just before
    snapshot = table.snapshot();
    REQUIRE(snapshot.open.size() == 1);
    CHECK(snapshot.open[0].channel == 2);
    CHECK(snapshot.bytes_down == 5008);
    CHECK(snapshot.connections_opened == 2);
    CHECK(table.tracked() == 1);
}

TEST_CASE("connection table: without snapshots, finished connections are folded as new ones come") {
    client::ConnectionTable table;
    for (int i = 0; i < 10000; ++i) {
        auto alive = std::make_shared<int>(i);
        auto traffic = table.add(static_cast<uint16_t>(i % 65535 + 1), endpoint("192.0.2.1", 1),
                                 endpoint("198.51.100.2", 80), alive);
        traffic->from_socket += 1;
    }  // every `alive` died at once
    CHECK(table.tracked() <= 128);
    const auto snapshot = table.snapshot();
    CHECK(snapshot.open.empty());
    CHECK(snapshot.bytes_up == 10000);
    CHECK(snapshot.connections_opened == 10000);
}
