// SPDX-License-Identifier: LGPL-2.1-or-later
// Who the manager's caller is, what a caller who is not root may ask, and the per-port instance locks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "../util/temp_dir.hpp"
#include "fwmgr/caller.hpp"
#include "fwmgr/caller_checks.hpp"
#include "fwmgr/instance_lock.hpp"
#include "fwmgr/port_owner.hpp"

using namespace sshuttle::fwmgr;

TEST_CASE("caller: root only when every source present says root") {
    const Identity root{0, 0};
    const Identity alice{1000, 1000};
    CHECK(decide_caller(std::nullopt, std::nullopt, std::nullopt).root);
    CHECK(decide_caller(root, std::nullopt, std::nullopt).root);
    CHECK(decide_caller(root, root, std::nullopt).root);
    // sudo run by alice, whatever socket she hands over (one created by some root process included).
    Caller c = decide_caller(root, alice, std::nullopt);
    CHECK_FALSE(c.root);
    CHECK(c.uid == 1000);
    CHECK(c.how == "SUDO_UID");
    c = decide_caller(alice, root, std::nullopt);  // root ran sudo on alice's socket: still alice's socket
    CHECK_FALSE(c.root);
    CHECK(c.how == "peer credentials");
    c = decide_caller(std::nullopt, std::nullopt, Identity{1001, 100});
    CHECK_FALSE(c.root);
    CHECK(c.gid == 100);
    CHECK(c.how == "DOAS_USER");
}

TEST_CASE("caller: a SUDO_UID that is not a number is never root") {
    setenv("SUDO_UID", "0x0", 1);
    unsetenv("SUDO_GID");
    const Caller c = identify_caller(-1);
    unsetenv("SUDO_UID");
    CHECK_FALSE(c.root);
    CHECK(c.uid == 65534);
}

namespace {

// /proc/net/tcp as the kernel prints it: 12300 = 0x300C. The uid column is the 8th.
const char* const kTcpTable =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:300C 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1\n"
    "   1: 0100007F:300D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 112 1\n"
    "   2: 0100007F:300E 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 113 1\n"
    "   3: garbage\n";

std::map<std::pair<uint16_t, SocketKind>, std::set<uid_t>> g_owners;

std::set<uid_t> fake_owners(uint16_t port, SocketKind kind) { return g_owners[{port, kind}]; }

InstallOrder order(uint16_t port, int64_t uid = -1, int64_t gid = -1) {
    InstallOrder o;
    o.ports.tcp_v4 = port;
    o.go.uid = uid;
    o.go.gid = gid;
    return o;
}

}  // namespace

TEST_CASE("port owner: listening sockets of a port and their uid, from the kernel's table") {
    CHECK(owners_in_table(kTcpTable, 12300, SocketKind::kTcpListen) == std::set<uid_t>{1000});
    CHECK(owners_in_table(kTcpTable, 12301, SocketKind::kTcpListen) == std::set<uid_t>{0});
    CHECK(owners_in_table(kTcpTable, 12302, SocketKind::kTcpListen).empty());  // connected, not listening
    CHECK(owners_in_table(kTcpTable, 80, SocketKind::kTcpListen).empty());
}

TEST_CASE("port owner: a real listening socket of ours is found with our uid") {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof sin;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
    const uint16_t port = ntohs(sin.sin_port);
    CHECK(socket_owners(port, SocketKind::kTcpListen) == std::set<uid_t>{geteuid()});
    close(fd);
    CHECK(socket_owners(port, SocketKind::kTcpListen).empty());
}

TEST_CASE("caller checks: a root caller may ask anything") {
    g_owners.clear();
    CHECK(why_refused(order(12300, 0, 0), Caller{}, fake_owners).empty());
}

TEST_CASE("caller checks: a plain user only for its own uid/gid and the ports it listens on") {
    g_owners.clear();
    g_owners[{12300, SocketKind::kTcpListen}] = {1000};
    g_owners[{12400, SocketKind::kTcpListen}] = {1001};
    g_owners[{12299, SocketKind::kUdpBound}] = {1000};
    const Caller alice{false, 1000, 100, "SUDO_UID"};
    CHECK(why_refused(order(12300), alice, fake_owners).empty());
    CHECK(why_refused(order(12300, 1000, 100), alice, fake_owners).empty());
    CHECK(why_refused(order(12300, 0), alice, fake_owners) ==
          "GO names uid 0: only your own traffic may be redirected (caller uid 1000, from SUDO_UID)");
    CHECK(why_refused(order(12300, -1, 0), alice, fake_owners).starts_with("GO names gid 0"));
    CHECK(why_refused(order(12400), alice, fake_owners) ==
          "TCP port 12400 is held by uid 1001, not by the caller (uid 1000)");
    CHECK(why_refused(order(12500), alice, fake_owners) == "TCP port 12500 has no listening socket of uid 1000");
    InstallOrder with_dns = order(12300);
    with_dns.ports.dns_v4 = 12299;
    CHECK(why_refused(with_dns, alice, fake_owners).empty());
    with_dns.ports.dns_v6 = 53;
    CHECK(why_refused(with_dns, alice, fake_owners) == "DNS (UDP) port 53 has no listening socket of uid 1000");
}

TEST_CASE("instance locks: one live manager per port; the next one gets it once the first is gone") {
    TempDir dir;
    const std::string locks = dir.path() + "/locks";
    {
        InstanceLocks first(locks, {12300, 12300, 0});
        CHECK_THROWS_WITH_AS(InstanceLocks(locks, {12301, 12300}),
                             "port 12300 is in use by another running sshuttle firewall manager", std::runtime_error);
        InstanceLocks other_port(locks, {12301});
    }
    InstanceLocks again(locks, {12300});
}

TEST_CASE("instance locks: a lock directory others may write is refused") {
    TempDir dir;
    const std::string locks = dir.path() + "/open";
    REQUIRE(mkdir(locks.c_str(), 0777) == 0);
    REQUIRE(chmod(locks.c_str(), 0777) == 0);
    CHECK_THROWS_AS(InstanceLocks(locks, {12300}), std::runtime_error);
    InstanceLocks nothing(locks, {0});  // no port, no lock, no check
}
