// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy teardown runs only commands for what the iptables listing shows (its policy routing's:
// policy_routing_test.cpp).
#include <doctest/doctest.h>

#include "joined_commands.hpp"
#include "tproxy_rules.hpp"

namespace tp = sshuttle::plugins::tproxy;
using tp::test::joined;

TEST_CASE("tproxy teardown: nothing installed, no command") {
    const std::string listing = "-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n-N sshuttle-m-9999\n-A OUTPUT -j sshuttle-m-9999\n";
    CHECK(tp::present_teardown_commands(SSHUTTLE_AF_INET, 12300, listing).empty());
    CHECK(tp::present_teardown_commands(SSHUTTLE_AF_INET, 12300, "").empty());
}

TEST_CASE("tproxy teardown: one delete per jump, flush and delete only of existing chains") {
    const std::string listing =
        "-P PREROUTING ACCEPT\n-N sshuttle-m-12300\n-N sshuttle-t-12300\n"
        "-A PREROUTING -j sshuttle-t-12300\n-A OUTPUT -j sshuttle-m-12300\n-A OUTPUT -j sshuttle-m-12300\n"
        "-A sshuttle-m-12300 -j RETURN\n";
    CHECK(joined(tp::present_teardown_commands(SSHUTTLE_AF_INET6, 12300, listing)) ==
          "ip6tables -w -t mangle -D OUTPUT -j sshuttle-m-12300\n"
          "ip6tables -w -t mangle -D OUTPUT -j sshuttle-m-12300\n"
          "ip6tables -w -t mangle -D PREROUTING -j sshuttle-t-12300\n"
          "ip6tables -w -t mangle -F sshuttle-m-12300\n"
          "ip6tables -w -t mangle -X sshuttle-m-12300\n"
          "ip6tables -w -t mangle -F sshuttle-t-12300\n"
          "ip6tables -w -t mangle -X sshuttle-t-12300\n");
    CHECK(tp::list_command(SSHUTTLE_AF_INET) == tp::Argv{"iptables", "-w", "-t", "mangle", "-S"});
}
