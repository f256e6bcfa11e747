// SPDX-License-Identifier: LGPL-2.1-or-later
// nat rule text against tests/golden/nat/*.txt (checked by hand against upstream's methods/nat.py).
#include <doctest/doctest.h>

#include "nat_rules.hpp"
#include "support/golden.hpp"
#include "support/requests.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::request;
using sshuttle::test::subnet;

namespace {

// Already in upstream's order: single port, port range, then port-less (longer prefix, exclude first).
sdk::FwRequest v4_ports_request() {
    return request(SSHUTTLE_AF_INET, {subnet("10.9.9.9", 32, 22, 22), subnet("10.0.0.0", 8, 8000, 8080),
                                      exclude("10.1.2.0", 24), subnet("0.0.0.0", 0)});
}

}  // namespace

TEST_CASE("nat golden: ipv4 subnets with ports and an exclude, no DNS") {
    check_golden("nat/v4_ports", plugins::nat::render(v4_ports_request()));
}

TEST_CASE("nat golden: ipv4 with DNS capture of two nameservers") {
    sdk::FwRequest req =
        request(SSHUTTLE_AF_INET, {exclude("127.0.0.1", 32), subnet("192.0.2.0", 24)}, {"192.0.2.53", "198.51.100.53"});
    check_golden("nat/v4_dns", plugins::nat::render(req));
}

TEST_CASE("nat golden: ipv6 with DNS uses ip6tables and /128") {
    sdk::FwRequest req =
        request(SSHUTTLE_AF_INET6, {exclude("2001:db8:1::", 48), subnet("2001:db8::", 32)}, {"2001:db8::53"});
    check_golden("nat/v6_dns", plugins::nat::render(req));
}

TEST_CASE("nat golden: --user and --group mark packets in mangle and match the mark on the jumps") {
    sdk::FwRequest req = v4_ports_request();
    req.uid = 1000;
    req.gid = 100;
    check_golden("nat/v4_user_group", plugins::nat::render(req));
}

TEST_CASE("nat golden: bypass mark returns first (local mode)") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("0.0.0.0", 0)}, {"192.0.2.53"});
    req.bypass_mark = 0x5353;
    check_golden("nat/v4_bypass", plugins::nat::render(req));
}

TEST_CASE("nat: stale rule deletions come from the -S listing and cover piled-up duplicates") {
    const std::string nat_listing =
        "-P OUTPUT ACCEPT\n-A OUTPUT -j sshuttle-12300\n-A OUTPUT -j sshuttle-12301\n"
        "-A OUTPUT -m mark --mark 0x300c -j sshuttle-12300\n-A OUTPUT -j sshuttle-12300\n";
    auto dels = plugins::nat::stale_rule_deletions(SSHUTTLE_AF_INET, "nat", nat_listing, 12300);
    REQUIRE(dels.size() == 3);
    CHECK(dels[0] == plugins::nat::Argv{"iptables", "-w", "-t", "nat", "-D", "OUTPUT", "-j", "sshuttle-12300"});
    CHECK(dels[1] == plugins::nat::Argv{"iptables", "-w", "-t", "nat", "-D", "OUTPUT", "-m", "mark", "--mark", "0x300c",
                                        "-j", "sshuttle-12300"});
    const std::string mangle_listing =
        "-P OUTPUT ACCEPT\n-A OUTPUT -m owner --uid-owner 1000 -j MARK --set-xmark 0x300c/0xffffffff\n"
        "-A OUTPUT -j MARK --set-xmark 0x300c/0xffffffff\n"
        "-A OUTPUT -m owner --uid-owner 1000 -j MARK --set-xmark 0x300d/0xffffffff\n";
    dels = plugins::nat::stale_rule_deletions(SSHUTTLE_AF_INET6, "mangle", mangle_listing, 12300);
    REQUIRE(dels.size() == 1);
    CHECK(dels[0] == plugins::nat::Argv{"ip6tables", "-w", "-t", "mangle", "-D", "OUTPUT", "-m", "owner", "--uid-owner",
                                        "1000", "-j", "MARK", "--set-xmark", "0x300c/0xffffffff"});
}

TEST_CASE("nat: the chain is removed only when the nat listing declares it") {
    CHECK(plugins::nat::chain_listed("-P OUTPUT ACCEPT\n-N sshuttle-12300\n-A OUTPUT -j sshuttle-12300\n", 12300));
    CHECK_FALSE(plugins::nat::chain_listed("-P OUTPUT ACCEPT\n-N sshuttle-12301\n", 12300));
    CHECK_FALSE(plugins::nat::chain_listed("-A OUTPUT -j sshuttle-12300\n", 12300));
}
