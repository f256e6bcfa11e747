// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy teardown runs only commands for what the iptables listing shows, and --tproxy-setup-routes'
// leftovers are found in `ip rule` / `ip route` output.
#include <doctest/doctest.h>

#include "tproxy_routes.hpp"
#include "tproxy_rules.hpp"

namespace tp = sshuttle::plugins::tproxy;

namespace {

std::string joined(const std::vector<tp::Argv>& commands) {
    std::string out;
    for (const auto& argv : commands) {
        for (const auto& a : argv) out += a + " ";
        out.back() = '\n';
    }
    return out;
}

}  // namespace

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

TEST_CASE("tproxy own routes: only this port's table, one delete per rule") {
    const std::string rules =
        "0:\tfrom all lookup local\n30000:\tfrom all fwmark 0x1 lookup 112300\n"
        "30000:\tfrom all fwmark 0x1 lookup 112300\n30000:\tfrom all fwmark 0x1 lookup 112299\n"
        "32765:\tfrom all fwmark 0x1 lookup 100\n32766:\tfrom all lookup main\n";
    CHECK(tp::own_table(12300) == 112300);
    CHECK(joined(tp::own_routes_teardown(SSHUTTLE_AF_INET, 12300, rules, "local default dev lo scope host\n")) ==
          "ip -4 rule del lookup 112300\nip -4 rule del lookup 112300\nip -4 route flush table 112300\n");
    CHECK(tp::own_routes_teardown(SSHUTTLE_AF_INET6, 12301, rules, "\n").empty());
    CHECK(tp::route_show_command(SSHUTTLE_AF_INET6, 7) == tp::Argv{"ip", "-6", "route", "show", "table", "7"});
}
