// SPDX-License-Identifier: LGPL-2.1-or-later
// The built modules driven through the C ABI with a recording host: exact command sequences of setup and
// restore (golden transcripts), probes, and refusals. No root needed.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <unistd.h>

#include "support/golden.hpp"
#include "support/loaded_firewall.hpp"
#include "support/recording_host.hpp"
#include "support/requests.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::LoadedFirewall;
using sshuttle::test::RecordingHost;
using sshuttle::test::request;
using sshuttle::test::subnet;

namespace {

sdk::FwRequest dns_request() {
    return request(SSHUTTLE_AF_INET, {exclude("192.0.2.1", 32), subnet("192.0.2.0", 24)}, {"192.0.2.53"});
}

}  // namespace

TEST_CASE("nat module: setup removes stale rules found by -S, then applies one iptables-restore") {
    RecordingHost host;
    // Listed before and after each removal: a stale chain first, then gone.
    const std::string stale = "-P OUTPUT ACCEPT\n-N sshuttle-12300\n-A OUTPUT -j sshuttle-12300\n";
    for (const std::string& listing : {stale, std::string("-P OUTPUT ACCEPT\n"), stale, std::string("-P OUTPUT ACCEPT\n")})
        host.answer_in_turn("iptables -w -t nat -S", 0, listing);
    host.answer("iptables -w -t mangle -S OUTPUT", 0,
                "-P OUTPUT ACCEPT\n-A OUTPUT -m owner --gid-owner 100 -j MARK --set-xmark 0x300c/0xffffffff\n");
    host.answer("iptables -w -t nat -X sshuttle-12300", 1);
    LoadedFirewall nat("nat", host.get());
    CHECK(nat.table().priority == 10);
    sdk::FwRequest req = dns_request();
    req.uid = 1000;
    std::string error;
    REQUIRE_MESSAGE(nat.setup(req, error) == SSHUTTLE_OK, error);
    check_golden("nat/module_setup_transcript", host.take_transcript());
    REQUIRE(nat.restore(req, error) == SSHUTTLE_OK);
    check_golden("nat/module_restore_transcript", host.take_transcript());
}

TEST_CASE("nat module: a chain that survives its removal is an error, not a silent success") {
    RecordingHost host;
    host.answer("iptables -w -t nat -S", 0, "-N sshuttle-12300\n");
    LoadedFirewall nat("nat", host.get());
    std::string error;
    CHECK(nat.restore(dns_request(), error) == SSHUTTLE_ECOMMAND);
    CHECK(error == "nat: chain sshuttle-12300 is still there after removal");
}

TEST_CASE("nat module: a failing iptables-restore is a one-line error naming the command") {
    RecordingHost host;
    host.answer("iptables-restore --noflush -w", 2);
    LoadedFirewall nat("nat", host.get());
    std::string error;
    CHECK(nat.setup(dns_request(), error) == SSHUTTLE_ECOMMAND);
    CHECK(error == "'iptables-restore --noflush -w' exited with status 2");
}

TEST_CASE("nat module: UDP is refused, and the probe states why it fails") {
    RecordingHost host;
    LoadedFirewall nat("nat", host.get());
    sdk::FwRequest req = dns_request();
    req.udp = true;
    std::string error;
    CHECK(nat.setup(req, error) == SSHUTTLE_EUNSUPPORTED);
    CHECK(error == "nat: UDP is not supported (use --method tproxy)");
    CHECK(host.take_transcript().empty());
    host.answer("iptables -w -t nat -nL OUTPUT", 3);
    std::string reason;
    CHECK_FALSE(nat.is_supported(reason));
    CHECK(reason == "'iptables -w -t nat -nL OUTPUT' failed: no nat table (kernel module) or not root");
}

TEST_CASE("nft module: command backend deletes the stale table, then applies the script with nft -f -") {
    RecordingHost host;
    host.answer("nft -f -", 1);  // the first call, "delete table", finds nothing: ignored
    LoadedFirewall nft("nft", host.get(), {{"backend", "command"}});
    CHECK(nft.table().priority == 20);
    std::string error;
    CHECK(nft.setup(dns_request(), error) == SSHUTTLE_ECOMMAND);
    CHECK(error == "nft: cannot install table 'sshuttle-ipv4-12300': 'nft -f -' exited with status 1");
    host.take_transcript();
    host.answer("nft -f -", 0);
    REQUIRE(nft.setup(dns_request(), error) == SSHUTTLE_OK);
    check_golden("nft/module_setup_transcript", host.take_transcript());
    REQUIRE(nft.restore(dns_request(), error) == SSHUTTLE_OK);
    CHECK(host.take_transcript() == "$ nft -f -\n<<EOF\ndelete table inet sshuttle-ipv4-12300\nEOF\n");
}

TEST_CASE("nft module: restore fails only when the table is still there") {
    RecordingHost host;
    LoadedFirewall nft("nft", host.get(), {{"backend", "command"}});
    std::string error;
    host.answer("nft -f -", 1);  // delete fails, and so does listing: the table is gone
    CHECK(nft.restore(dns_request(), error) == SSHUTTLE_OK);
    host.answer("nft -f -", 1);          // delete fails ...
    host.answer_in_turn("nft -f -", 0);  // ... but the table still lists
    CHECK(nft.restore(dns_request(), error) == SSHUTTLE_ECOMMAND);
    CHECK(error.rfind("nft: cannot delete table 'sshuttle-ipv4-12300'", 0) == 0);
}

TEST_CASE("nft module: --dry-run records through the host even with the libnftables backend") {
    RecordingHost host(/*dry_run=*/true);
    LoadedFirewall nft("nft", host.get());
    std::string error;
    REQUIRE(nft.setup(dns_request(), error) == SSHUTTLE_OK);
    CHECK(host.take_transcript().find("add table inet sshuttle-ipv4-12300") != std::string::npos);
    sdk::FwRequest req = dns_request();
    req.uid = 0;
    CHECK(nft.setup(req, error) == SSHUTTLE_EUNSUPPORTED);
}

TEST_CASE("tproxy module: setup removes what the listing shows, then one ip6tables-restore; listeners get IP_TRANSPARENT") {
    RecordingHost host;
    LoadedFirewall tproxy("tproxy", host.get());
    CHECK(tproxy.table().priority == 100);
    REQUIRE((tproxy.table().prepare_listener != nullptr));
    sdk::FwRequest req = request(SSHUTTLE_AF_INET6, {subnet("2001:db8::", 32)}, {"2001:db8::53"});
    req.udp = true;
    // A stale instance's chain and jump on the same port: removed first, and only what the listing shows.
    host.answer("ip6tables -w -t mangle -S", 0,
                "-P OUTPUT ACCEPT\n-N sshuttle-m-12300\n-A OUTPUT -j sshuttle-m-12300\n");
    std::string error;
    REQUIRE_MESSAGE(tproxy.setup(req, error) == SSHUTTLE_OK, error);
    check_golden("tproxy/module_setup_transcript", host.take_transcript());

    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    REQUIRE_MESSAGE(tproxy.prepare_listener(fd, SSHUTTLE_AF_INET, true, error) == SSHUTTLE_OK, error);
    int value = 0;
    socklen_t len = sizeof value;
    CHECK(getsockopt(fd, SOL_IP, 19 /* IP_TRANSPARENT */, &value, &len) == 0);
    CHECK(value == 1);
    close(fd);
}

TEST_CASE("pf and ipfw modules on Linux: not supported, setup refused, render works") {
    RecordingHost host;
    for (const std::string name : {"pf", "ipfw"}) {
        CAPTURE(name);
        LoadedFirewall fw(name, host.get());
        std::string reason, error, text;
        CHECK_FALSE(fw.is_supported(reason));
        CHECK(fw.setup(dns_request(), error) == SSHUTTLE_EUNSUPPORTED);
        CHECK(fw.restore(dns_request(), error) == SSHUTTLE_EUNSUPPORTED);
        sdk::FwRequest req = dns_request();
        req.os_flavor = "openbsd";
        CHECK(fw.render(req, text) == SSHUTTLE_OK);
        CHECK(text.find("192.0.2.0/24") != std::string::npos);
    }
    LoadedFirewall pf("pf", host.get());
    std::string reason, error;
    pf.is_supported(reason);
    CHECK(reason == "pf is not available on Linux");
    pf.setup(dns_request(), error);
    CHECK(error == "pf is not available on Linux");
    CHECK(host.take_transcript().empty());
}

TEST_CASE("nat module: update is one iptables-restore that declares (flushes) and refills the chain, no jumps") {
    RecordingHost host;
    LoadedFirewall nat("nat", host.get());
    std::string error;
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("203.0.113.0", 24)});
    req.uid = 1000;  // the owner mark and the marked jumps stay from setup: update does not touch them
    REQUIRE_MESSAGE(nat.update(req, error) == SSHUTTLE_OK, error);
    CHECK(host.take_transcript() ==
          "$ iptables-restore --noflush -w\n<<EOF\n*nat\n:sshuttle-12300 - [0:0]\n"
          "-A sshuttle-12300 -j REDIRECT --dest 203.0.113.0/24 -p tcp --to-ports 12300\n"
          "-A sshuttle-12300 -j RETURN -m addrtype --dst-type LOCAL\nCOMMIT\nEOF\n");
    host.answer("iptables-restore --noflush -w", 1);
    CHECK(nat.update(req, error) == SSHUTTLE_ECOMMAND);
}

TEST_CASE("nft module: update is one nft batch that flushes and refills the chain") {
    RecordingHost host;
    LoadedFirewall nft("nft", host.get(), {{"backend", "command"}});
    std::string error;
    REQUIRE_MESSAGE(nft.update(request(SSHUTTLE_AF_INET, {subnet("203.0.113.0", 24)}), error) == SSHUTTLE_OK, error);
    CHECK(host.take_transcript() ==
          "$ nft -f -\n<<EOF\nflush chain inet sshuttle-ipv4-12300 sshuttle-ipv4-12300\n"
          "add rule inet sshuttle-ipv4-12300 sshuttle-ipv4-12300 meta nfproto != ipv4 return\n"
          "add rule inet sshuttle-ipv4-12300 sshuttle-ipv4-12300 fib daddr type local return\n"
          "add rule inet sshuttle-ipv4-12300 sshuttle-ipv4-12300 meta nfproto ipv4 meta l4proto tcp ip daddr "
          "203.0.113.0/24 redirect to :12300\nEOF\n");
}

TEST_CASE("tproxy module: update is one iptables-restore declaring the three chains, without the jumps") {
    RecordingHost host;
    LoadedFirewall tproxy("tproxy", host.get());
    std::string error;
    REQUIRE_MESSAGE(tproxy.update(request(SSHUTTLE_AF_INET6, {subnet("2001:db8::", 32)}), error) == SSHUTTLE_OK,
                    error);
    const std::string transcript = host.take_transcript();
    CHECK(transcript.rfind("$ ip6tables-restore --noflush -w\n<<EOF\n*mangle\n:sshuttle-m-12300 - [0:0]\n", 0) == 0);
    CHECK(transcript.find("-I OUTPUT") == std::string::npos);
    CHECK(transcript.find("-I PREROUTING") == std::string::npos);
    CHECK(transcript.find("--dest 2001:db8::/32") != std::string::npos);
    CHECK(transcript.find("$ ", 1) == std::string::npos);  // one command
}

TEST_CASE("tproxy module: preflight names every family whose marked packets are not routed here, in one line") {
    RecordingHost host;
    LoadedFirewall tproxy("tproxy", host.get());
    const sdk::FwRequest v6 = request(SSHUTTLE_AF_INET6, {subnet("2001:db8::", 32)});
    const sdk::FwRequest v4 = request(SSHUTTLE_AF_INET, {subnet("192.0.2.0", 24)});
    // IPv4 routed by hand as upstream documents it (a masked mark here); IPv6 not at all (real `ip -j` output).
    host.answer("ip -j -4 rule show", 0,
                R"([{"priority":0,"src":"all","table":"local"},)"
                R"({"priority":30000,"src":"all","fwmark":"0x1","fwmask":"0xff","table":"100"},)"
                R"({"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}])");
    host.answer("ip -j -4 route show table 100", 0,
                R"([{"type":"local","dst":"default","dev":"lo","scope":"host","flags":[]}])");
    host.answer("ip -j -6 rule show", 0,
                R"([{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"}])");
    std::string error;
    CHECK(tproxy.preflight({v6, v4}, error) == SSHUTTLE_EUNSUPPORTED);
    CHECK(error ==
          "method tproxy: packets marked 0x01 are not routed to this machine (policy routing missing); run as root: "
          "ip -6 rule add fwmark 0x01 lookup 100; ip -6 route add local default dev lo table 100 "
          "(or start sshuttle with --tproxy-setup-routes)");
    // Only listings: the check changes nothing.
    CHECK(host.take_transcript() ==
          "$ ip -j -4 rule show\n$ ip -j -4 route show table 100\n$ ip -j -6 rule show\n");
    CHECK(tproxy.preflight({v4}, error) == SSHUTTLE_OK);

    // Neither family: both in the one line, IPv4 first.
    host.answer("ip -j -4 route show table 100", 2, "[");
    CHECK(tproxy.preflight({v6, v4}, error) == SSHUTTLE_EUNSUPPORTED);
    CHECK(error.find("run as root: ip rule add fwmark 0x01 lookup 100; ip route add local default dev lo table 100; "
                     "ip -6 rule add") != std::string::npos);
    // ip itself failing is not "missing": it says what could not be checked.
    host.answer("ip -j -4 rule show", 255, "");
    CHECK(tproxy.preflight({v4}, error) == SSHUTTLE_ECOMMAND);
    CHECK(error == "tproxy: cannot check the policy routing for the mark: 'ip -j -4 rule show' failed");
}

TEST_CASE("tproxy module: with setup-routes its own rule and route go in before the rules and out after them") {
    RecordingHost host;
    LoadedFirewall tproxy("tproxy", host.get(), {{"setup-routes", "1"}});
    const sdk::FwRequest v4 = request(SSHUTTLE_AF_INET, {subnet("192.0.2.0", 24)});
    std::string error;
    REQUIRE(tproxy.preflight({v4}, error) == SSHUTTLE_OK);
    CHECK(host.take_transcript().empty());  // nothing to check: setup installs it

    REQUIRE_MESSAGE(tproxy.setup(v4, error) == SSHUTTLE_OK, error);
    std::string transcript = host.take_transcript();
    const auto rule_add = transcript.find("$ ip -4 rule add fwmark 0x01 lookup 112300 pref 30000\n");
    const auto route_add = transcript.find("$ ip -4 route replace local default dev lo table 112300\n");
    const auto rules_in = transcript.find("$ iptables-restore --noflush -w\n");
    CHECK(rule_add != std::string::npos);
    CHECK(route_add > rule_add);
    CHECK(rules_in > route_add);
    CHECK(route_add != std::string::npos);
    CHECK(rules_in != std::string::npos);

    // Restore: the rules' teardown, then exactly what the listings show of ours (table 112300).
    host.answer("ip -j -4 rule show", 0,
                R"([{"priority":0,"src":"all","table":"local"},)"
                R"({"priority":30000,"src":"all","fwmark":"0x1","table":"112300"},)"
                R"({"priority":32766,"src":"all","table":"main"}])");
    host.answer("ip -j -4 route show table 112300", 0,
                R"([{"type":"local","dst":"default","dev":"lo","scope":"host","flags":[]}])");
    REQUIRE_MESSAGE(tproxy.restore(v4, error) == SSHUTTLE_OK, error);
    transcript = host.take_transcript();
    CHECK(transcript.ends_with("$ ip -j -4 rule show\n$ ip -j -4 route show table 112300\n"
                               "$ ip -4 rule del lookup 112300\n$ ip -4 route flush table 112300\n"));

    std::string text;
    REQUIRE(tproxy.render(v4, text) == SSHUTTLE_OK);
    CHECK(text.find("\nip -4 rule add fwmark 0x01 lookup 112300 pref 30000\n"
                    "ip -4 route replace local default dev lo table 112300\n# ipv4: iptables-restore") !=
          std::string::npos);
    CHECK(text.ends_with("ip -4 rule del lookup 112300\nip -4 route flush table 112300\n"));
}

TEST_CASE("tproxy module: restore without routing of its own runs only the listings") {
    RecordingHost host;
    LoadedFirewall tproxy("tproxy", host.get());
    host.answer("ip -j -6 route show table 112300", 2, "[");  // no such table
    std::string error;
    REQUIRE_MESSAGE(tproxy.restore(request(SSHUTTLE_AF_INET6, {subnet("2001:db8::", 32)}), error) == SSHUTTLE_OK,
                    error);
    CHECK(host.take_transcript() ==
          "$ ip6tables -w -t mangle -S\n$ ip -j -6 rule show\n$ ip -j -6 route show table 112300\n");
}

TEST_CASE("pf and ipfw modules: update is refused on Linux; every method has the ABI 1.2 member") {
    RecordingHost host;
    for (const std::string name : {"pf", "ipfw"}) {
        LoadedFirewall fw(name, host.get());
        std::string error;
        CHECK(fw.update(dns_request(), error) == SSHUTTLE_EUNSUPPORTED);
    }
    CHECK(host.take_transcript().empty());
    for (const std::string name : {"nat", "nft", "tproxy", "pf", "ipfw"}) {
        CAPTURE(name);
        LoadedFirewall fw(name, host.get());
        CHECK((fw.table().update != nullptr));
        // ABI 1.3's preflight: only tproxy needs something besides its rules (policy routing).
        CHECK((fw.table().preflight != nullptr) == (name == "tproxy"));
    }
}
