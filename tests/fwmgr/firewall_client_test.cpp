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
