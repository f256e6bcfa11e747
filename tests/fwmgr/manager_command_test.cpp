// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/manager_command.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "util/process.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;

namespace {

using Argv = std::vector<std::string>;

ManagerConfig options() {
    ManagerConfig o;
    o.method = "nat";
    o.verbose = 2;
    o.plugin_dirs = {"/opt/plugins"};
    return o;
}

}  // namespace

TEST_CASE("manager command: root runs itself directly") {
    unsetenv("SSHUTTLE_PLUGIN_PATH");
    CHECK(manager_command(options(), "/usr/bin/sshuttle", Elevation::kNone) ==
          Argv{"/usr/bin/sshuttle", "--firewall", "--method", "nat", "-v", "-v", "--plugin-dir", "/opt/plugins"});
    ManagerConfig o = options();
    o.syslog = true;
    o.verbose = 0;
    o.plugin_dirs.clear();
    o.method = "auto";
    CHECK(manager_command(o, "/x/sshuttle", Elevation::kNone) ==
          Argv{"/x/sshuttle", "--firewall", "--method", "auto", "--syslog"});
}

TEST_CASE("manager command: sudo with upstream's prompt, or doas; no plugin directories through elevation") {
    setenv("SSHUTTLE_PLUGIN_PATH", "/a::/b", 1);
    // The manager ignores them for a caller who is not root, and the sudoers rule does not allow them.
    CHECK(manager_command(options(), "/usr/bin/sshuttle", Elevation::kSudo) ==
          Argv{"sudo", "-p", "[local sudo] Password: ", "/usr/bin/sshuttle", "--firewall", "--method", "nat", "-v",
               "-v"});
    CHECK(manager_command(options(), "/usr/bin/sshuttle", Elevation::kDoas).front() == "doas");
    // Without elevation the environment is inherited: no duplicates.
    CHECK(manager_command(options(), "/usr/bin/sshuttle", Elevation::kNone).size() == 8);
    unsetenv("SSHUTTLE_PLUGIN_PATH");
}

TEST_CASE("manager command: -H is passed on, so the manager knows hosts lines were asked for") {
    ManagerConfig o = options();
    o.auto_hosts = true;
    o.syslog = true;
    CHECK(manager_command(o, "/usr/bin/sshuttle", Elevation::kSudo).back() == "--auto-hosts");
    o.auto_hosts = false;
    CHECK(manager_command(o, "/usr/bin/sshuttle", Elevation::kSudo).back() == "--syslog");
}

TEST_CASE("manager command: a method's own flags are passed on as themselves, for its plugin") {
    ManagerConfig o = options();
    o.method = "tproxy";
    o.method_options = {{"tproxy-setup-routes", "1"}};
    CHECK(manager_command(o, "/usr/bin/sshuttle", Elevation::kNone) ==
          Argv{"/usr/bin/sshuttle", "--firewall", "--method", "tproxy", "-v", "-v", "--plugin-dir", "/opt/plugins",
               "--tproxy-setup-routes"});
}

TEST_CASE("manager command: our own executable and the elevation we need") {
    CHECK(self_executable() == std::filesystem::canonical("/proc/self/exe").string());
    Elevation expected = Elevation::kNone;
    if (geteuid() != 0 && !util::find_program("sudo").empty())
        expected = Elevation::kSudo;
    else if (geteuid() != 0 && !util::find_program("doas").empty())
        expected = Elevation::kDoas;
    CHECK(detect_elevation() == expected);
}
