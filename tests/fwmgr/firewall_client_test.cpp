// SPDX-License-Identifier: LGPL-2.1-or-later
// FirewallClient against real manager processes: the fake-method manager (fake_manager_main.cpp) and shell
// stand-ins for a manager that prints junk, fails, or hangs.
#include "fwmgr/firewall_client.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <boost/asio/io_context.hpp>

#include "support/addresses.hpp"
#include "support/session_harness.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::ip;
using testing::rule;

namespace {

/// A fresh record file for the fake manager, removed afterwards.
struct RecordFile {
    std::string path;
    RecordFile() {
        char name[] = "/tmp/fwmgr-record-XXXXXX";
        int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        close(fd);
        path = name;
    }
    ~RecordFile() { std::remove(path.c_str()); }
    std::vector<std::string> lines() const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }
};

const std::string kFake = FWMGR_FAKE_MANAGER;

std::vector<net::Subnet> routes() { return {rule("192.0.2.0", 24), rule("192.0.2.128", 25, true)}; }

GoFields go_for(pid_t pid) {
    GoFields go;
    go.client_pid = pid;
    return go;
}

const char* const kV4 =
    " v4 port=12300 dns=0 udp=0 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[!192.0.2.128/25:0-0 192.0.2.0/24:0-0 ] ns=[]";

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const FirewallError& e) {
        return e.what();
    }
    return "<no FirewallError>";
}

}  // namespace

TEST_CASE("firewall client: start, install, hosts, close; the manager restores on EOF") {
    RecordFile record;
    FirewallClient client;
    client.start_command({kFake, record.path});
    CHECK(client.method() == "fake");
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    CHECK(record.lines() == std::vector<std::string>{std::string("setup") + kV4});
    client.send_host("printer", ip("192.0.2.9"));
    client.send_host(std::string(200, 'h'), ip("192.0.2.9"));  // too long for a line: skipped, not fatal
    CHECK(client.close() == 0);
    CHECK(client.pid() == -1);
    CHECK(record.lines().size() == 2);
    CHECK(record.lines().back() == std::string("restore") + kV4);
}

TEST_CASE("firewall client: junk lines before READY are skipped") {
    RecordFile record;
    FirewallClient client;
    client.start_command({"/bin/sh", "-c", "echo '[sudo] some lecture'; echo; exec \"$0\" \"$1\"", kFake, record.path});
    CHECK(client.method() == "fake");
    CHECK(client.close() == 0);
}

TEST_CASE("firewall client: more than 100 junk lines is an error") {
    FirewallClient client;
    CHECK(message_of([&] {
              client.start_command({"/bin/sh", "-c", "i=0; while [ $i -le 100 ]; do echo junk $i; i=$((i+1)); done"});
          }) == "the firewall manager sent 101 lines without READY, the last: 'junk 100'");
    CHECK(client.pid() == -1);
}

TEST_CASE("firewall client: a manager that dies first is reported with its exit status") {
    FirewallClient client;
    CHECK(message_of([&] {
              client.start_command({"/bin/sh", "-c", "echo oops; exit 3"});
          }) == "the firewall manager exited with status 3 before sending READY");
    CHECK(message_of([&] { client.start_command({"/nonexistent/sshuttle"}); }) ==
          "the firewall manager exited with status 127 before sending READY");
}

TEST_CASE("firewall client: the manager's ERROR text is the error") {
    FirewallClient client;
    CHECK(message_of([&] {
              client.start_command({"/bin/sh", "-c", "echo 'ERROR method nat is not usable: no iptables'; exit 1"});
          }) == "firewall manager: method nat is not usable: no iptables");

    RecordFile record;
    client.start_command({kFake, record.path, "--fail-setup=4"});
    CHECK(message_of([&] {
              client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
          }) == "firewall manager: IPv4 setup with method 'fake' failed: iptables said no");
    CHECK(client.pid() == -1);
    CHECK(record.lines() == std::vector<std::string>{std::string("setup") + kV4, std::string("restore") + kV4});
}

TEST_CASE("firewall client: SIGTERM to the manager relays SIGINT to the client pid and restores") {
    RecordFile record;
    pid_t victim = testing::spawn_victim();
    FirewallClient client;
    client.start_command({kFake, record.path});
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(victim));
    REQUIRE(kill(client.pid(), SIGTERM) == 0);
    CHECK(testing::victim_end(victim) == SIGINT);
    CHECK(client.close() == 0);
    CHECK(record.lines().size() == 2);
    CHECK(record.lines().back() == std::string("restore") + kV4);
}

TEST_CASE("firewall client: SIGKILL of the client makes the manager restore") {
    // We adopt the orphaned manager, so that we can wait for it.
    REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    RecordFile record;
    int pid_pipe[2];
    REQUIRE(pipe(pid_pipe) == 0);
    pid_t client_process = fork();
    REQUIRE(client_process >= 0);
    if (client_process == 0) {
        try {
            FirewallClient client;
            client.start_command({kFake, record.path});
            client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
            pid_t manager = client.pid();
            if (write(pid_pipe[1], &manager, sizeof manager) != sizeof manager) _exit(4);
            for (;;) pause();
        } catch (...) {
            _exit(3);
        }
    }
    close(pid_pipe[1]);
    pid_t manager = -1;
    REQUIRE(read(pid_pipe[0], &manager, sizeof manager) == sizeof manager);
    close(pid_pipe[0]);
    CHECK(record.lines().size() == 1);
    REQUIRE(kill(client_process, SIGKILL) == 0);
    CHECK(testing::victim_end(client_process) == SIGKILL);
    CHECK(testing::victim_end(manager) == 0);  // exit status 0: restored cleanly
    CHECK(record.lines().size() == 2);
    CHECK(record.lines().back() == std::string("restore") + kV4);
}

TEST_CASE("firewall client: a manager that ignores EOF gets SIGTERM after the grace period") {
    FirewallClient client;
    SUBCASE("SIGTERM works") {
        client.start_command({"/bin/sh", "-c", "echo READY hung; exec sleep 1000"});
        CHECK(client.close(std::chrono::milliseconds(50)) == 128 + SIGTERM);
    }
    SUBCASE("SIGTERM ignored: never SIGKILL, wait until it is done (it may be removing rules)") {
        client.start_command({"/bin/sh", "-c", "trap '' TERM; echo READY busy; sleep 1; exit 3"});
        CHECK(client.close(std::chrono::milliseconds(50)) == 3);
    }
}

TEST_CASE("firewall client: a manager killed mid-session ends the session, and a fresh one removes its rules") {
    RecordFile record;
    boost::asio::io_context io;
    FirewallClient client;
    client.start_command({kFake, record.path});
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    std::vector<std::string> lost;
    client.watch(io, [&](const std::string& why) { lost.push_back(why); });
    REQUIRE(kill(client.pid(), SIGKILL) == 0);  // no chance to restore anything
    io.run();  // the watch is the only work: run() returns once it has reported
    REQUIRE(lost.size() == 1);
    CHECK(lost.front().find("firewall manager (pid ") == 0);
    CHECK(lost.front().find("killed by signal 9") != std::string::npos);
    // The killed one only set up; the fresh one (CLEANUP) restored the same request, and installed nothing.
    CHECK(record.lines() == std::vector<std::string>{std::string("setup") + kV4, std::string("restore") + kV4});
    CHECK(client.pid() == -1);
    CHECK(client.close() == -1);
}

TEST_CASE("firewall client: a manager that ends its session on its own is reported with what it said") {
    FirewallClient client;
    boost::asio::io_context io;
    client.start_command({"/bin/sh", "-c",
                          "echo 'READY fake'; while read l; do case $l in GO*) echo STARTED; break;; "
                          "CLEANUP*) echo RESTORED; exit 0;; esac; done; echo 'ERROR unexpected line'; exit 1"});
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    std::string lost;
    client.watch(io, [&](const std::string& why) { lost = why; });
    io.run();
    CHECK(lost.find("exited with status 1: it said: unexpected line") != std::string::npos);
}

TEST_CASE("firewall client: host lines never block the event loop on a manager that does not read") {
    FirewallClient client;
    boost::asio::io_context io;
    // Answers STARTED, then stops reading for good: a manager busy rewriting /etc/hosts, at its worst.
    client.start_command({"/bin/sh", "-c",
                          "echo 'READY fake'; while read l; do case $l in GO*) echo STARTED; break;; esac; done; "
                          "exec sleep 1000"});
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    client.watch(io, [](const std::string&) {});
    // Far more than a socket buffer holds: with blocking writes this loop would never finish.
    for (int i = 0; i < 40000; ++i) client.send_host("host-" + std::to_string(i) + ".example", ip("192.0.2.9"));
    CHECK(client.close(std::chrono::milliseconds(50)) == 128 + SIGTERM);
}

TEST_CASE("firewall client: a manager started directly does not inherit an outer sudo's caller hints") {
    // `sudo sshuttle ...`: the client is root and is the manager's caller, not the user who ran the outer sudo.
    setenv("SUDO_UID", "1000", 1);
    setenv("DOAS_USER", "alice", 1);
    FirewallClient client;
    client.start_command({"/bin/sh", "-c", "echo \"READY uid=${SUDO_UID:-none},doas=${DOAS_USER:-none}\"; exec cat"});
    unsetenv("SUDO_UID");
    unsetenv("DOAS_USER");
    CHECK(client.method() == "uid=none,doas=none");
    client.close();
}

TEST_CASE("firewall client: update_routes replaces the rules while the loop watches the manager") {
    RecordFile record;
    boost::asio::io_context io;
    FirewallClient client;
    client.start_command({kFake, record.path, "--fail-update=4"});
    CHECK_THROWS_AS(client.update_routes(routes()), FirewallError);  // nothing installed yet
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    std::vector<std::string> lost;
    client.watch(io, [&](const std::string& why) { lost.push_back(why); });
    // The fake fails IPv4 updates: the answer is the reason, the manager stays, the old rules stay.
    CHECK(client.update_routes({rule("203.0.113.0", 24)}) == "IPv4: nft said no");
    io.poll();
    CHECK(lost.empty());
    CHECK(client.close() == 0);
    const std::vector<std::string> lines = record.lines();
    REQUIRE(lines.size() == 3);
    CHECK(lines[1] == "update v4 port=12300 dns=0 udp=0 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[203.0.113.0/24:0-0 ] ns=[]");
    CHECK(lines[2] == std::string("restore") + kV4);
}

TEST_CASE("firewall client: a successful update_routes is what a fresh manager cleans up after a kill") {
    RecordFile record;
    boost::asio::io_context io;
    FirewallClient client;
    client.start_command({kFake, record.path});
    client.install(routes(), {}, Ports{0, 12300, 0, 0}, go_for(getpid()));
    std::vector<std::string> lost;
    client.watch(io, [&](const std::string& why) { lost.push_back(why); });
    CHECK(client.update_routes({rule("203.0.113.0", 24)}).empty());
    REQUIRE(kill(client.pid(), SIGKILL) == 0);
    io.run();
    REQUIRE(lost.size() == 1);
    const std::string updated =
        " v4 port=12300 dns=0 udp=0 uid=-1 gid=-1 tmark=0x01 bypass=0 rules=[203.0.113.0/24:0-0 ] ns=[]";
    CHECK(record.lines() == std::vector<std::string>{std::string("setup") + kV4, "update" + updated,
                                                     "restore" + updated});
}
