// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/hostwatch_parse.hpp"

#include <doctest/doctest.h>

using namespace sshuttle::server;
using boost::asio::ip::make_address;

TEST_CASE("hostwatch parse: hosts file lines, comments, aliases, bad addresses") {
    const auto entries = parse_hosts_text(
        "# a comment\n"
        "127.0.0.1\tlocalhost\n"
        "192.0.2.7  db.corp.example db   # trailing comment\n"
        "\n"
        "not-an-ip name\n"
        "2001:db8::5 six\n"
        "198.51.100.9\n");
    REQUIRE(entries.size() == 3);
    CHECK(entries[1].address == make_address("192.0.2.7"));
    CHECK(entries[1].names == std::vector<std::string>{"db.corp.example", "db"});
    CHECK(entries[2].address == make_address("2001:db8::5"));
}

TEST_CASE("hostwatch parse: cache lines are name,ip") {
    const auto entries = parse_cache_text("alpha,192.0.2.1\nbeta,2001:db8::2\nbroken\n,192.0.2.3\ngamma,nope\n");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].names == std::vector<std::string>{"alpha"});
    CHECK(entries[1].address == make_address("2001:db8::2"));
}

TEST_CASE("hostwatch parse: /proc/net/arp skips the header and incomplete entries") {
    const auto found = parse_proc_net_arp(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n"
        "192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n");
    CHECK(found == std::vector<boost::asio::ip::address>{make_address("192.0.2.1")});
}

TEST_CASE("hostwatch parse: ip neigh skips FAILED and INCOMPLETE") {
    const auto found = parse_ip_neigh(
        "2001:db8::1 dev eth0 lladdr 02:fc:00:00:00:05 REACHABLE\n"
        "2001:db8::2 dev eth0 FAILED\n"
        "2001:db8::3 dev eth0 INCOMPLETE\n"
        "fe80::1 dev eth0 lladdr 02:fc:00:00:00:06 router STALE\n");
    CHECK(found == std::vector<boost::asio::ip::address>{make_address("2001:db8::1"), make_address("fe80::1")});
}

TEST_CASE("hostwatch parse: which names and addresses are announced") {
    CHECK(names_to_announce("db.corp.example.") == std::vector<std::string>{"db.corp.example", "db"});
    CHECK(names_to_announce("plain") == std::vector<std::string>{"plain"});
    CHECK(names_to_announce("localhost").empty());
    CHECK(names_to_announce("bad name").empty());
    CHECK(names_to_announce("-oops").empty());
    CHECK(names_to_announce("evil\n192.0.2.1").empty());
    CHECK(is_ignored_address(make_address("127.0.1.1")));
    CHECK(is_ignored_address(make_address("255.255.255.255")));
    CHECK(is_ignored_address(make_address("0.0.0.0")));
    CHECK(is_ignored_address(make_address("::1")));
    CHECK(is_ignored_address(make_address("fe80::1")));
    CHECK(is_ignored_address(make_address("224.0.0.1")));
    CHECK_FALSE(is_ignored_address(make_address("192.0.2.1")));
    CHECK_FALSE(is_ignored_address(make_address("2001:db8::1")));
}
