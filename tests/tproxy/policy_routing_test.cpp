// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's policy-routing check reads `ip rule` and `ip route` output; its error names the exact commands.
#include <doctest/doctest.h>

#include "app/policy_routing.hpp"
#include "tproxy_routes.hpp"

using namespace sshuttle;

TEST_CASE("policy routing: tables for a mark, with and without masks") {
    const std::string rules =
        "0:\tfrom all lookup local\n32763:\tfrom all fwmark 0x2 lookup 7\n32764:\tfrom all fwmark 0x1/0xff lookup 9\n"
        "32765:\tfrom all fwmark 0x1 lookup 100\n32766:\tfrom all lookup main\n";
    CHECK(app::tables_for_mark(rules, 1) == std::vector<std::string>{"9", "100"});
    CHECK(app::tables_for_mark(rules, 2) == std::vector<std::string>{"7"});
    CHECK(app::tables_for_mark(rules, 0x101) == std::vector<std::string>{"9"});  // the mask ignores bit 8
    CHECK(app::tables_for_mark(rules, 3).empty());
}

TEST_CASE("policy routing: the local default route, v4 and v6 forms") {
    CHECK(app::has_local_default("local default dev lo scope host \n"));
    CHECK(app::has_local_default("local default dev lo metric 1024 pref medium\n"));
    CHECK_FALSE(app::has_local_default("default via 192.0.2.2 dev eth0\n"));
    CHECK_FALSE(app::has_local_default(""));
}

TEST_CASE("policy routing: one-line error with the commands for each missing family") {
    const std::string message =
        app::missing_routing_message({net::Family::kIPv4, net::Family::kIPv6}, "0x01");
    CHECK(message ==
          "method tproxy: packets marked 0x01 are not routed to this machine (policy routing missing); run as root: "
          "ip rule add fwmark 0x01 lookup 100; ip route add local default dev lo table 100; "
          "ip -6 rule add fwmark 0x01 lookup 100; ip -6 route add local default dev lo table 100 "
          "(or start sshuttle with --tproxy-setup-routes)");
    CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("policy routing: the client and the plugin agree on the table of their own") {
    CHECK(app::kOwnTableBase == plugins::tproxy::kOwnTableBase);
    CHECK(app::kOwnRulePriority == plugins::tproxy::kOwnRulePriority);
}
