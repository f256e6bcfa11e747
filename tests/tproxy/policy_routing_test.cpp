// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy plugin's policy routing reads `ip -j rule show` and `ip -j route show table T` (the samples below are
// real iproute2 6.1 output, taken in fresh network namespaces); its error names the exact commands; the routing
// of its own (setup-routes) is one rule and one route per family, and its teardown only what is there.
#include <doctest/doctest.h>

#include "joined_commands.hpp"
#include "sshuttle/plugin_abi.h"
#include "tproxy_routes.hpp"

namespace tp = sshuttle::plugins::tproxy;
using tp::test::joined;
using Tables = std::vector<std::string>;

namespace {

// A fresh namespace: no rule for any mark.
const std::string kFreshRules4 =
    R"([{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},)"
    R"({"priority":32767,"src":"all","table":"default"}])";
const std::string kFreshRules6 =
    R"([{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"}])";
// fwmark 0x2 lookup 112300 pref 29999; fwmark 0x1/0xff lookup 100 pref 30000.
const std::string kMarkedRules =
    R"([{"priority":0,"src":"all","table":"local"},{"priority":29999,"src":"all","fwmark":"0x2","table":"112300"},)"
    R"({"priority":30000,"src":"all","fwmark":"0x1","fwmask":"0xff","table":"100"},)"
    R"({"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}])";
// Rules that lead nowhere useful for the mark: goto, unreachable, `not fwmark`; and one with a source and no mask.
const std::string kOtherRules =
    R"([{"priority":0,"src":"all","table":"local"},{"priority":32761,"src":"all","fwmark":"0x6","goto":32766},)"
    R"({"priority":32762,"src":"all","fwmark":"0x5","table":"8"},)"
    R"({"priority":32763,"src":"10.0.0.0","srclen":8,"fwmark":"0x4","table":"7"},)"
    R"({"priority":32764,"src":"all","fwmark":"0x3","action":"unreachable"},)"
    R"({"priority":32765,"not":null,"src":"all","fwmark":"0x1","table":"100"},)"
    R"({"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}])";
const std::string kLocalDefault4 = R"([{"type":"local","dst":"default","dev":"lo","scope":"host","flags":[]}])";
const std::string kLocalDefault6 =
    R"([{"type":"local","dst":"default","dev":"lo","metric":1024,"flags":[],"pref":"medium"}])";


}  // namespace

TEST_CASE("policy routing: the tables a mark is looked up in, with and without masks") {
    CHECK(tp::tables_for_mark(kFreshRules4, 1) == Tables{});
    CHECK(tp::tables_for_mark(kFreshRules6, 1) == Tables{});
    CHECK(tp::tables_for_mark(kMarkedRules, 1) == Tables{"100"});
    CHECK(tp::tables_for_mark(kMarkedRules, 2) == Tables{"112300"});
    CHECK(tp::tables_for_mark(kMarkedRules, 0x101) == Tables{"100"});  // the mask ignores bit 8
    CHECK(tp::tables_for_mark(kMarkedRules, 3) == Tables{});
}

TEST_CASE("policy routing: goto, unreachable and `not fwmark` rules lead to no table") {
    CHECK(tp::tables_for_mark(kOtherRules, 1) == Tables{});  // `not fwmark 0x1` is for the other packets
    CHECK(tp::tables_for_mark(kOtherRules, 3) == Tables{});
    CHECK(tp::tables_for_mark(kOtherRules, 6) == Tables{});
    CHECK(tp::tables_for_mark(kOtherRules, 5) == Tables{"8"});
    CHECK(tp::tables_for_mark(kOtherRules, 4) == Tables{"7"});
}

TEST_CASE("policy routing: a listing that is no JSON array is no listing") {
    CHECK_FALSE(tp::tables_for_mark("", 1).has_value());
    CHECK_FALSE(tp::tables_for_mark("[", 1).has_value());  // what ip prints before "Dump terminated"
    CHECK_FALSE(tp::tables_for_mark("0:\tfrom all lookup local\n", 1).has_value());  // text, not -j
    CHECK_FALSE(tp::tables_for_mark(R"({"priority":0})", 1).has_value());
    // Odd members are skipped, not fatal; a number where ip prints a string is read the same.
    CHECK(tp::tables_for_mark(R"([1,"x",{"fwmark":"0xzz","table":"9"},{"fwmark":1,"table":5}])", 1) == Tables{"5"});
}

TEST_CASE("policy routing: the local default route, v4 and v6 forms") {
    CHECK(tp::has_local_default(kLocalDefault4));
    CHECK(tp::has_local_default(kLocalDefault6));
    CHECK_FALSE(tp::has_local_default(R"([{"dst":"default","gateway":"192.0.2.2","dev":"eth0","flags":[]}])"));
    CHECK_FALSE(tp::has_local_default(R"([{"type":"local","dst":"default","dev":"eth0","flags":[]}])"));
    CHECK_FALSE(tp::has_local_default("[]"));
    CHECK_FALSE(tp::has_local_default("["));  // a table that does not exist
    CHECK_FALSE(tp::has_local_default(""));
}

TEST_CASE("policy routing: marks as ip and --tmark spell them") {
    uint32_t mark = 0;
    CHECK((tp::parse_mark("0x01", mark) && mark == 1));
    CHECK((tp::parse_mark("ff", mark) && mark == 0xff));
    CHECK((tp::parse_mark("0xFFFFFFFF", mark) && mark == 0xffffffff));
    CHECK_FALSE(tp::parse_mark("0x100000000", mark));
    CHECK_FALSE(tp::parse_mark("0x", mark));
    CHECK_FALSE(tp::parse_mark("-1", mark));
    CHECK_FALSE(tp::parse_mark("0x1/0xff", mark));
}

TEST_CASE("policy routing: one-line error with the commands for each missing family") {
    const std::string message = tp::missing_routing_message({SSHUTTLE_AF_INET, SSHUTTLE_AF_INET6}, "0x01");
    CHECK(message ==
          "method tproxy: packets marked 0x01 are not routed to this machine (policy routing missing); run as root: "
          "ip rule add fwmark 0x01 lookup 100; ip route add local default dev lo table 100; "
          "ip -6 rule add fwmark 0x01 lookup 100; ip -6 route add local default dev lo table 100 "
          "(or start sshuttle with --tproxy-setup-routes)");
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.size() < sizeof(sshuttle_error::message));  // it crosses the ABI whole
}

TEST_CASE("policy routing: the commands of the plugin's own rule and route") {
    CHECK(tp::own_table(12300) == 112300);
    CHECK(joined(tp::own_routes_setup(SSHUTTLE_AF_INET6, 12300, "0x2a")) ==
          "ip -6 rule add fwmark 0x2a lookup 112300 pref 30000\n"
          "ip -6 route replace local default dev lo table 112300\n");
    CHECK(tp::rule_show_command(SSHUTTLE_AF_INET) == tp::Argv{"ip", "-j", "-4", "rule", "show"});
    CHECK(tp::route_show_command(SSHUTTLE_AF_INET6, "7") == tp::Argv{"ip", "-j", "-6", "route", "show", "table", "7"});
}

TEST_CASE("policy routing: teardown of our own removes only this port's table, one delete per rule") {
    // Another instance (port 12299) and routing by hand (table 100) stay; a crashed instance's duplicate goes too.
    const std::string rules =
        R"([{"priority":0,"src":"all","table":"local"},{"priority":29999,"src":"all","fwmark":"0x1","table":"100"},)"
        R"({"priority":30000,"src":"all","fwmark":"0x1","table":"112300"},)"
        R"({"priority":30000,"src":"all","fwmark":"0x1","table":"112300"},)"
        R"({"priority":30000,"src":"all","fwmark":"0x1","table":"112299"},)"
        R"({"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}])";
    CHECK(joined(tp::own_routes_teardown(SSHUTTLE_AF_INET, 12300, rules, kLocalDefault4)) ==
          "ip -4 rule del lookup 112300\nip -4 rule del lookup 112300\nip -4 route flush table 112300\n");
    // Nothing of ours: no command, so nothing complains about what is not there.
    CHECK(tp::own_routes_teardown(SSHUTTLE_AF_INET6, 12301, rules, "[").empty());
    CHECK(tp::own_routes_teardown(SSHUTTLE_AF_INET6, 12300, kFreshRules6, "[]").empty());
    CHECK(tp::own_routes_teardown(SSHUTTLE_AF_INET6, 12300, "", "").empty());
    // The route without the rule (a half-done setup): the table is flushed all the same.
    CHECK(joined(tp::own_routes_teardown(SSHUTTLE_AF_INET6, 12300, kFreshRules6, kLocalDefault6)) ==
          "ip -6 route flush table 112300\n");
}
