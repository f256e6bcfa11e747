// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/manager_session.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <set>

#include "support/session_harness.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::SessionHarness;

namespace {

const char* const kOrder =
    "ROUTES\n"
    "2,8,0,10.0.0.0,0,0\n"
    "2,16,1,10.1.0.0,0,0\n"
    "10,32,0,2001:db8::,0,0\n"
    "2,32,0,192.0.2.1,80,80\n"
    "NSLIST\n"
    "2,192.0.2.53\n"
    "10,2001:db8::53\n"
    "PORTS 1024,1025,1026,1027\n";

const char* const kSetupV6 =
    "setup v6 port=1024 dns=1026 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[2001:db8::/32:0-0 ] "
    "ns=[2001:db8::53 ]";
const char* const kRestoreV6 =
    "restore v6 port=1024 dns=1026 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[2001:db8::/32:0-0 ] "
    "ns=[2001:db8::53 ]";
// Sorted: the single-port rule first, then longer prefixes, excludes before includes.
const char* const kSetupV4 =
    "setup v4 port=1025 dns=1027 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 "
    "rules=[192.0.2.1/32:80-80 !10.1.0.0/16:0-0 10.0.0.0/8:0-0 ] ns=[192.0.2.53 ]";
const char* const kRestoreV4 =
    "restore v4 port=1025 dns=1027 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 "
    "rules=[192.0.2.1/32:80-80 !10.1.0.0/16:0-0 10.0.0.0/8:0-0 ] ns=[192.0.2.53 ]";

std::string go_line(pid_t pid) { return "GO 1 - - 0x01 " + std::to_string(pid) + "\n"; }

}  // namespace

TEST_CASE("manager session: READY, install IPv6 then IPv4, STARTED, HOST, EOF restores IPv6 then IPv4") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    std::vector<std::string> installed = {kSetupV6, kSetupV4};
    h.send("HOST printer,192.0.2.9\nHOST db6,2001:db8::6\n");
    CHECK(h.finish() == 0);
    std::vector<std::string> expected = installed;
    expected.insert(expected.end(), {kRestoreV6, kRestoreV4});
    CHECK(h.backend.calls == expected);
}

TEST_CASE("manager session: our bypass mark and user/group reach the request") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send("ROUTES\n2,24,0,192.0.2.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 1000 100 0x01 " + std::to_string(getpid()) +
           " 0x2a\n");
    CHECK(h.next_line() == "STARTED");
    CHECK(h.finish() == 0);
    const std::string v4 =
        "v4 port=12300 dns=0 udp=0 uid=1000 gid=100 tmark=0x01 bypass=42 rules=[192.0.2.0/24:0-0 ] ns=[]";
    CHECK(h.backend.calls == std::vector<std::string>{"setup " + v4, "restore " + v4});
}

TEST_CASE("manager session: EOF before ROUTES touches nothing") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    SUBCASE("nothing sent") {}
    SUBCASE("half an order") { h.send("ROUTES\n2,8,0,10.0.0.0,0,0\nNSLIST\n"); }
    CHECK(h.finish() == 0);
    CHECK(h.backend.calls.empty());
}

TEST_CASE("manager session: a bad line is an ERROR and nothing is installed") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    SUBCASE("not ROUTES") {
        h.send("HELLO\n");
        CHECK(h.next_line() == "ERROR expected ROUTES, got 'HELLO'");
    }
    SUBCASE("bad route") {
        h.send("ROUTES\n2,33,0,10.0.0.0,0,0\n");
        CHECK(h.next_line() == "ERROR invalid route line '2,33,0,10.0.0.0,0,0': bad prefix '33'");
    }
    SUBCASE("overlong line") {
        h.send("ROUTES\n" + std::string(200, '1') + "\n");
        CHECK(h.next_line().starts_with("ERROR line longer than 128 bytes"));
    }
    SUBCASE("bad GO") {
        h.send(std::string(kOrder) + "GO 1 - - 0x01\n");
        CHECK(h.next_line().starts_with("ERROR invalid GO line 'GO 1 - - 0x01'"));
    }
    // The caller may be a local user: what it sent reaches the root manager's log and its ERROR only escaped.
    SUBCASE("control bytes in a bad line") {
        h.send("\x1b[2JROUTES\r\n");
        CHECK(h.next_line() == "ERROR expected ROUTES, got '\\x1b[2JROUTES\\x0d'");
    }
    SUBCASE("control bytes in a bad route") {
        h.send("ROUTES\n2,24,0,\x1b[31m,0,0\n");
        CHECK(h.next_line().starts_with("ERROR invalid route line '2,24,0,\\x1b[31m,0,0'"));
    }
    SUBCASE("control bytes in an overlong line") {
        h.send("ROUTES\n\x1b]0;owned\x07" + std::string(200, '1') + "\n");
        CHECK(h.next_line().starts_with("ERROR line longer than 128 bytes: '\\x1b]0;owned\\x07111"));
    }
    CHECK(h.join() == 1);
    CHECK(h.backend.calls.empty());
}

TEST_CASE("manager session: a failed IPv4 setup rolls back both families and reports ERROR") {
    SessionHarness h;
    h.backend.fail_setup_family_ = net::Family::kIPv4;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "ERROR IPv4 setup with method 'fake' failed: iptables said no");
    CHECK(h.join() == 1);
    CHECK(h.backend.calls ==
          std::vector<std::string>{kSetupV6, kSetupV4, kRestoreV6, kRestoreV4});
}

TEST_CASE("manager session: the method's preflight sees every family before any setup") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    CHECK(h.backend.preflights == std::vector<std::string>{"v6 v4"});
    CHECK(h.finish() == 0);
}

TEST_CASE("manager session: a refused preflight installs nothing; its long line is the ERROR as it is") {
    SessionHarness h;
    // As long as tproxy's, which names the commands for both families.
    h.backend.fail_preflight_ = "method fake: " + std::string(280, 'x') + " (run this first)";
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "ERROR " + h.backend.fail_preflight_);
    CHECK(h.join() == 1);
    CHECK(h.backend.calls.empty());
}

TEST_CASE("manager session: a method without IPv6 refuses an IPv6 port before touching anything") {
    SessionHarness h;
    h.backend.features_ = testing::kAllFeatures & ~uint64_t{SSHUTTLE_FEAT_IPV6};
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "ERROR method 'fake' does not support IPv6");
    CHECK(h.join() == 1);
    CHECK(h.backend.calls.empty());
}

TEST_CASE("manager session: a failing IPv6 restore does not keep IPv4 from being restored") {
    SessionHarness h;
    h.backend.fail_restore_family_ = net::Family::kIPv6;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    CHECK(h.finish() == 1);
    REQUIRE(h.backend.calls.size() == 4);
    CHECK(h.backend.calls[2] == kRestoreV6);
    CHECK(h.backend.calls[3] == kRestoreV4);
}

TEST_CASE("manager session: an unknown line after STARTED restores and ends the session") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send("QUERY_SOMETHING 2,6,192.0.2.1,1000,192.0.2.2,80\n");  // QUERY_PF_NAT is answered: nat_query_test
    CHECK(h.next_line() == "ERROR unexpected line 'QUERY_SOMETHING 2,6,192.0.2.1,1000,192.0.2.2,80'");
    CHECK(h.join() == 1);
    CHECK(h.backend.calls.size() == 4);
}

TEST_CASE("manager session: SIGTERM while waiting relays SIGINT to the client pid and restores") {
    pid_t victim = testing::spawn_victim();
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(victim));
    CHECK(h.next_line() == "STARTED");
    REQUIRE(kill(getpid(), SIGTERM) == 0);  // the relay turns it into a byte on its pipe; the session wakes
    CHECK(h.join() == 0);
    CHECK(testing::victim_end(victim) == SIGINT);
    CHECK(h.backend.calls ==
          std::vector<std::string>{kSetupV6, kSetupV4, kRestoreV6, kRestoreV4});
}

TEST_CASE("manager session: SIGINT before GO stops without touching anything") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send("ROUTES\n");
    REQUIRE(kill(getpid(), SIGINT) == 0);
    CHECK(h.join() == 0);
    CHECK(h.backend.calls.empty());
}

// ROUTES_UPDATE (-N's routes changed after a reconnect): each family's rules replaced in one update call.
namespace {

const char* const kUpdate =
    "ROUTES_UPDATE\n"
    "2,24,0,203.0.113.0,0,0\n"
    "10,48,0,2001:db8:1::,0,0\n"
    "ROUTES_END\n";
const char* const kUpdatedV6 =
    "v6 port=1024 dns=1026 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[2001:db8:1::/48:0-0 ] ns=[2001:db8::53 ]";
const char* const kUpdatedV4 =
    "v4 port=1025 dns=1027 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[203.0.113.0/24:0-0 ] ns=[192.0.2.53 ]";

}  // namespace

TEST_CASE("manager session: ROUTES_UPDATE replaces each family's rules with one update; EOF restores the new ones") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send(kUpdate);
    CHECK(h.next_line() == "ROUTES_UPDATED");
    h.send("HOST printer,192.0.2.9\n");  // the session goes on as before
    CHECK(h.finish() == 0);
    CHECK(h.backend.calls == std::vector<std::string>{kSetupV6, kSetupV4, std::string("update ") + kUpdatedV6,
                                                      std::string("update ") + kUpdatedV4,
                                                      std::string("restore ") + kUpdatedV6,
                                                      std::string("restore ") + kUpdatedV4});
}

TEST_CASE("manager session: a method without update (ABI < 1.2) gets restore then setup, family by family") {
    SessionHarness h;
    h.backend.has_update_ = false;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send(kUpdate);
    CHECK(h.next_line() == "ROUTES_UPDATED");
    CHECK(h.finish() == 0);
    CHECK(h.backend.calls == std::vector<std::string>{kSetupV6, kSetupV4, kRestoreV6,
                                                      std::string("setup ") + kUpdatedV6, kRestoreV4,
                                                      std::string("setup ") + kUpdatedV4,
                                                      std::string("restore ") + kUpdatedV6,
                                                      std::string("restore ") + kUpdatedV4});
}

TEST_CASE("manager session: a failed update is ROUTES_UPDATE_FAILED, the session goes on with the old rules") {
    SessionHarness h;
    h.backend.fail_update_family_ = net::Family::kIPv4;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send(kUpdate);
    CHECK(h.next_line() == "ROUTES_UPDATE_FAILED IPv4: nft said no");
    CHECK(h.finish() == 0);
    // IPv6 took the new rules; IPv4 kept the old ones, and each is restored as it is.
    REQUIRE(h.backend.calls.size() == 6);
    CHECK(h.backend.calls[4] == std::string("restore ") + kUpdatedV6);
    CHECK(h.backend.calls[5] == kRestoreV4);
}

TEST_CASE("manager session: a bad route inside ROUTES_UPDATE is an ERROR and everything is restored") {
    SessionHarness h;
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send("ROUTES_UPDATE\n2,33,0,203.0.113.0,0,0\nROUTES_END\n");
    CHECK(h.next_line().rfind("ERROR invalid route line '2,33,0,203.0.113.0,0,0'", 0) == 0);
    CHECK(h.join() == 1);
    CHECK(h.backend.calls == std::vector<std::string>{kSetupV6, kSetupV4, kRestoreV6, kRestoreV4});
}

TEST_CASE("manager session: a caller who is not root is checked again at ROUTES_UPDATE, as at GO") {
    SessionHarness h;
    h.options.caller = Caller{false, 1000, 100, "SUDO_UID"};
    std::atomic<bool> port_taken_over = false;
    // The ports are the caller's at GO; by the update another user holds the IPv4 one.
    h.options.port_owners = [&port_taken_over](uint16_t port, SocketKind) {
        return std::set<uid_t>{port == 1025 && port_taken_over ? uid_t{1001} : uid_t{1000}};
    };
    h.start();
    CHECK(h.next_line() == "READY fake");
    h.send(kOrder + go_line(getpid()));
    CHECK(h.next_line() == "STARTED");
    h.send(kUpdate);
    CHECK(h.next_line() == "ROUTES_UPDATED");
    port_taken_over = true;
    h.send(kUpdate);
    CHECK(h.next_line() ==
          "ROUTES_UPDATE_FAILED refused: TCP port 1025 is held by uid 1001, not by the caller (uid 1000)");
    CHECK(h.finish() == 0);
    CHECK(h.backend.calls.size() == 6);  // 2 setups, 2 updates, 2 restores: the refused update touched nothing
}
