// SPDX-License-Identifier: LGPL-2.1-or-later
// QUERY_PF_NAT: the line format (upstream's pf.py), the manager session's answers, and the whole exchange
// between FirewallClient and a real manager process whose method module (nat_fake_plugin.cpp) exports
// the firewall table's nat_lookup (ABI 1.2) with a made-up kernel answer.
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "fwmgr/firewall_client.hpp"
#include "fwmgr/line_protocol.hpp"
#include "support/addresses.hpp"
#include "support/session_harness.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::ip;
using testing::rule;

namespace {

net::Endpoint endpoint(const std::string& address, uint16_t port) { return net::Endpoint{ip(address), port}; }

std::string error_of(std::string_view line) {
    try {
        parse_nat_query(line);
    } catch (const ProtocolError& e) {
        return e.what();
    }
    return "<no ProtocolError>";
}

/// READY, a one-rule IPv4 install, STARTED.
void start_session(testing::SessionHarness& h) {
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send("ROUTES\n2,24,0,192.0.2.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 - - 0x01 " + std::to_string(getpid()) +
           "\n");
    CHECK(h.next_line() == "STARTED");
}

}  // namespace

TEST_CASE("QUERY_PF_NAT lines: upstream's format both ways") {
    NatQuery v4{6, endpoint("192.0.2.10", 40000), endpoint("127.0.0.1", 12300)};
    CHECK(format_nat_query(v4) == "QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1,12300\n");
    CHECK(parse_nat_query("QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1,12300") == v4);
    NatQuery v6{6, endpoint("2001:db8::10", 40000), endpoint("::1", 12300)};
    CHECK(format_nat_query(v6) == "QUERY_PF_NAT 10,6,2001:db8::10,40000,::1,12300\n");
    CHECK(parse_nat_query("QUERY_PF_NAT 10,6,2001:db8::10,40000,::1,12300") == v6);

    CHECK(format_nat_success(endpoint("198.51.100.7", 443)) == "QUERY_PF_NAT_SUCCESS 198.51.100.7,443\n");
    NatReply ok = parse_nat_reply("QUERY_PF_NAT_SUCCESS 2001:db8::7,443");
    REQUIRE(ok.original_dst);
    CHECK(*ok.original_dst == endpoint("2001:db8::7", 443));
    CHECK(format_nat_failure("[Errno 2] No such file\nor directory") ==
          "QUERY_PF_NAT_FAILURE [Errno 2] No such file or directory\n");
    NatReply failed = parse_nat_reply("QUERY_PF_NAT_FAILURE [Errno 2] No such file or directory");
    CHECK_FALSE(failed.original_dst);
    CHECK(failed.failure == "[Errno 2] No such file or directory");
    CHECK(format_nat_failure(std::string(300, 'x')).size() == kMaxLineBytes);
}

TEST_CASE("QUERY_PF_NAT lines: bad input is named") {
    CHECK(error_of("QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1") ==
          "invalid QUERY_PF_NAT line 'QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1': expected "
          "<family>,<proto>,<src ip>,<src port>,<dst ip>,<dst port>");
    CHECK(error_of("QUERY_PF_NAT 7,6,192.0.2.10,40000,127.0.0.1,1") ==
          "invalid QUERY_PF_NAT line 'QUERY_PF_NAT 7,6,192.0.2.10,40000,127.0.0.1,1': unknown address family '7'");
    CHECK(error_of("QUERY_PF_NAT 2,6,2001:db8::1,40000,127.0.0.1,1") ==
          "invalid QUERY_PF_NAT line 'QUERY_PF_NAT 2,6,2001:db8::1,40000,127.0.0.1,1': bad source "
          "'2001:db8::1,40000'");
    CHECK(error_of("QUERY_PF_NAT 2,6,192.0.2.1,40000,127.0.0.1,70000") ==
          "invalid QUERY_PF_NAT line 'QUERY_PF_NAT 2,6,192.0.2.1,40000,127.0.0.1,70000': bad destination "
          "'127.0.0.1,70000'");
    CHECK(error_of("QUERY_PF_NAT 2,0,192.0.2.1,1,127.0.0.1,1") ==
          "invalid QUERY_PF_NAT line 'QUERY_PF_NAT 2,0,192.0.2.1,1,127.0.0.1,1': bad protocol '0'");
    CHECK_THROWS_WITH(parse_nat_reply("STARTED"),
                      "invalid QUERY_PF_NAT reply line 'STARTED': expected QUERY_PF_NAT_SUCCESS or _FAILURE");
    CHECK_THROWS_WITH(format_nat_query(NatQuery{6, endpoint("192.0.2.1", 1), endpoint("::1", 2)}),
                      "QUERY_PF_NAT: source 192.0.2.1:1 and destination [::1]:2 differ in address family");
}

TEST_CASE("manager session: QUERY_PF_NAT is answered with a failure, never ends the session") {
    testing::SessionHarness h;
    SUBCASE("a method without the feature") {
        start_session(h);
        h.send("QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1,12300\n");
        CHECK(h.next_line() == "QUERY_PF_NAT_FAILURE method 'fake' does not look up NAT states");
    }
    SUBCASE("a method that declares it but whose table has no nat_lookup (a 1.0/1.1 plugin)") {
        h.backend.features_ |= SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER;
        start_session(h);
        h.send("QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1,12300\n");
        CHECK(h.next_line() ==
              "QUERY_PF_NAT_FAILURE method 'fake' declares NAT lookups but has no nat_lookup (plugin ABI 1.2)");
    }
    SUBCASE("a method with nat_lookup answers through it") {
        h.backend.features_ |= SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER;
        h.backend.has_nat_lookup_ = true;
        start_session(h);
        h.send("QUERY_PF_NAT 2,6,192.0.2.10,40000,127.0.0.1,12300\n");
        CHECK(h.next_line() == "QUERY_PF_NAT_SUCCESS 203.0.113.7,40000");
    }
    SUBCASE("a malformed query") {
        start_session(h);
        h.send("QUERY_PF_NAT 2,6,nonsense\n");
        // The reason is cut to keep the answer within one 128-byte line.
        CHECK(h.next_line() ==
              "QUERY_PF_NAT_FAILURE invalid QUERY_PF_NAT line 'QUERY_PF_NAT 2,6,nonsense': expected "
              "<family>,<proto>,<src ip>,<src port>,<d...");
    }
    // Still serving: HOST lines are taken, and EOF restores as usual.
    h.send("HOST printer,192.0.2.9\n");
    CHECK(h.finish() == 0);
    CHECK(h.backend.calls.size() == 2);
}

TEST_CASE("QUERY_PF_NAT end to end: FirewallClient, a real manager, the table's nat_lookup member") {
    FirewallClient client;
    client.start_command({FWMGR_DRIVER, "--firewall", "--method", "natfake", "--plugin-dir", NAT_FIXTURE_DIR});
    CHECK(client.method() == "natfake");
    GoFields go;
    go.client_pid = getpid();
    client.install({rule("192.0.2.0", 24), rule("2001:db8::", 32)}, {}, Ports{12300, 12300, 0, 0}, go);

    std::string why;
    auto v4 = client.query_nat(endpoint("192.0.2.10", 40000), endpoint("127.0.0.1", 12300), why);
    REQUIRE(v4);
    CHECK(*v4 == endpoint("203.0.113.7", 40000));
    auto v6 = client.query_nat(endpoint("2001:db8::10", 40001), endpoint("::1", 12300), why);
    REQUIRE(v6);
    CHECK(*v6 == endpoint("2001:db8::7", 40001));
    // No state in the (fake) kernel: nullopt and the kernel's reason; the session goes on.
    CHECK_FALSE(client.query_nat(endpoint("192.0.2.10", 1), endpoint("127.0.0.1", 12300), why));
    CHECK(why == "DIOCNATLOOK on /dev/pf: No such file or directory");
    auto again = client.query_nat(endpoint("192.0.2.11", 40002), endpoint("127.0.0.1", 12300), why);
    REQUIRE(again);
    CHECK(again->port == 40002);
    CHECK(client.close() == 0);
    CHECK_THROWS_WITH(client.query_nat(endpoint("192.0.2.10", 2), endpoint("127.0.0.1", 12300), why),
                      "the firewall manager is not running");
}
