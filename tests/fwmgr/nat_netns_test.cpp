// SPDX-License-Identifier: LGPL-2.1-or-later
// The real manager with the real nat plugin, in a network namespace of its own: the rules appear after
// STARTED and are gone after EOF, both when the client closes and when it is SIGKILLed.
#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwmgr/firewall_client.hpp"
#include "fwmgr/manager_command.hpp"
#include "support/addresses.hpp"
#include "support/session_harness.hpp"
#include "util/process.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::ip;
using testing::rule;

namespace {

std::string nat_table() {
    auto result = util::run_command({"iptables-save", "-t", "nat"});
    REQUIRE(result.exit_status == 0);
    return result.output;
}

std::vector<std::string> driver_command() {
    ManagerConfig options;
    options.method = "nat";
    options.verbose = 1;
    options.plugin_dirs = {SSHUTTLE_PLUGIN_DIR};
    return manager_command(options, FWMGR_DRIVER, Elevation::kNone);
}

/// Starts the manager and installs a redirect of 192.0.2.0/24 (minus 192.0.2.128/25) and DNS to 203.0.113.53.
void install(FirewallClient& client, pid_t client_pid) {
    client.start_command(driver_command());
    REQUIRE(client.method() == "nat");
    GoFields go;
    go.client_pid = client_pid;
    client.install({rule("192.0.2.0", 24), rule("192.0.2.128", 25, true)}, {ip("203.0.113.53")},
                   Ports{0, 12300, 0, 12299}, go);
}

}  // namespace

TEST_CASE("nat method in a fresh network namespace: rules after STARTED, none after EOF or SIGKILL") {
    // From here on this test process, and every manager it starts, sees only its own empty namespace.
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(nat_table().find("sshuttle") == std::string::npos);

    SUBCASE("the client closes") {
        FirewallClient client;
        install(client, getpid());
        std::string table = nat_table();
        CHECK(table.find(":sshuttle-12300 ") != std::string::npos);
        CHECK(table.find("-A OUTPUT") != std::string::npos);
        CHECK(table.find("-j sshuttle-12300") != std::string::npos);
        CHECK(table.find("192.0.2.128/25") != std::string::npos);
        CHECK(table.find("203.0.113.53") != std::string::npos);
        CHECK(client.close() == 0);
        CHECK(nat_table().find("sshuttle") == std::string::npos);
    }

    SUBCASE("the client is SIGKILLed") {
        REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);  // adopt the orphaned manager to wait for it
        int pid_pipe[2];
        REQUIRE(pipe(pid_pipe) == 0);
        pid_t client_process = fork();
        REQUIRE(client_process >= 0);
        if (client_process == 0) {
            try {
                FirewallClient client;
                install(client, getpid());
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
        CHECK(nat_table().find(":sshuttle-12300 ") != std::string::npos);
        REQUIRE(kill(client_process, SIGKILL) == 0);
        CHECK(testing::victim_end(client_process) == SIGKILL);
        CHECK(testing::victim_end(manager) == 0);
        CHECK(nat_table().find("sshuttle") == std::string::npos);
    }
}

TEST_CASE("real manager: a method that cannot be loaded is reported through ERROR before READY") {
    ManagerConfig options;
    options.method = "nosuch";
    options.plugin_dirs = {SSHUTTLE_PLUGIN_DIR};
    FirewallClient client;
    std::string message;
    try {
        client.start_command(manager_command(options, FWMGR_DRIVER, Elevation::kNone));
    } catch (const FirewallError& e) {
        message = e.what();
    }
    CHECK(message.starts_with("firewall manager: "));
    CHECK(message.find("nosuch") != std::string::npos);
    CHECK(client.pid() == -1);
}
