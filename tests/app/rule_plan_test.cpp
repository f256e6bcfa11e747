// SPDX-License-Identifier: LGPL-2.1-or-later
// -N: what the server's routes may make the client capture.
#include "app/rule_plan.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sshuttle;

namespace {

client::Route route(const char* address, int prefix) {
    client::Route r;
    REQUIRE(net::IpAddress::parse(address, r.address));
    r.family = r.address.family;
    r.prefix = prefix;
    return r;
}

std::vector<std::string> texts(const std::vector<net::Subnet>& rules) {
    std::vector<std::string> out;
    for (const auto& s : rules) out.push_back((s.exclude ? "!" : "") + s.to_string());
    return out;
}

net::IpAddress ip(const char* text) {
    net::IpAddress a;
    REQUIRE(net::IpAddress::parse(text, a));
    return a;
}

}  // namespace

TEST_CASE("rule plan -N: loopback is never captured, a route covering it gets it excluded") {
    cli::Options options;
    options.auto_nets = true;
    const std::vector<client::Route> hostile = {route("0.0.0.0", 0), route("127.0.0.0", 8), route("127.0.0.1", 32),
                                                route("::1", 128), route("::", 0), route("203.0.113.0", 24)};
    const auto rules = app::build_rules(options, {}, {ip("192.0.2.2")}, hostile, true);
    CHECK(texts(rules) == std::vector<std::string>{"0.0.0.0/0", "::/0", "203.0.113.0/24", "!127.0.0.0/8", "!::1/128",
                                                   "!192.0.2.2/32"});
}

TEST_CASE("rule plan -N: ordinary routes pass unchanged, with no extra excludes") {
    cli::Options options;
    options.auto_nets = true;
    const auto rules =
        app::build_rules(options, {}, {}, {route("198.51.100.0", 24), route("2001:db8::", 32)}, true);
    CHECK(texts(rules) == std::vector<std::string>{"198.51.100.0/24", "2001:db8::/32"});
}

TEST_CASE("rule plan: without -N the server's routes are not used at all") {
    cli::Options options;
    const auto rules = app::build_rules(options, {}, {}, {route("0.0.0.0", 0)}, true);
    CHECK(rules.empty());
}

TEST_CASE("rule plan: IPv4-only listen addresses leave the IPv6 subnets and own IPv6 exclusions out") {
    cli::Options options;
    net::Subnet v4, v6;
    REQUIRE(net::IpAddress::parse("198.51.100.0", v4.address));
    v4.prefix = 24;
    REQUIRE(net::IpAddress::parse("2001:db8::", v6.address));
    v6.prefix = 32;
    options.subnets = {v4, v6};
    net::Endpoint listen;
    REQUIRE(net::IpAddress::parse("127.0.0.1", listen.address));
    listen.port = 12300;
    const auto rules = app::build_rules(options, {listen}, {ip("192.0.2.2"), ip("2001:db8::22")}, {}, true);
    CHECK(texts(rules) == std::vector<std::string>{"198.51.100.0/24", "!127.0.0.1/32", "!192.0.2.2/32"});
}
