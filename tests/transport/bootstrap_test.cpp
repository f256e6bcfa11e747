// SPDX-License-Identifier: LGPL-2.1-or-later
// The ssh-command mode end to end, without ssh: -e names a fake ssh that drops the ssh options and the host and
// runs the remote command with /bin/sh -c, as sshd would. HOME and XDG_CACHE_HOME point into a scratch directory.
// The uploaded "server" is mostly the stand-in script (stand_in_server.hpp); the last case uploads the real helper.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "mux_probe.hpp"
#include "scratch.hpp"
#include "stand_in_server.hpp"
#include "transport/server_helper.hpp"
#include "transport/server_launch.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;
using test::ScopedEnv;
using test::ScratchDir;
using test::check_stream_intact;
using test::finish;
using test::kStandInServer;

namespace {

// Records its argv, then skips options, the host and "--" and runs the command like sshd does.
// FAKE_REMOTE_PATH, when set, goes first in the remote PATH (for a fake uname).
constexpr const char* kFakeSsh = R"(#!/bin/sh
printf '%s\n' "$@" > "$FAKE_SSH_ARGV"
while [ $# -gt 1 ]; do
  case "$1" in
    -p|-o|-i|-l|-F) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) shift; [ "$1" = "--" ] && shift; break ;;
  esac
done
[ -n "$FAKE_REMOTE_PATH" ] && PATH="$FAKE_REMOTE_PATH:$PATH"
exec /bin/sh -c "$1"
)";

struct Remote {
    ScratchDir dir;
    std::string helper = dir.write("helper/sshuttle-server", kStandInServer, 0755);
    std::string fake_ssh = dir.write("fake-ssh", kFakeSsh, 0755);
    ScopedEnv home{"HOME", dir / "home"};
    ScopedEnv cache{"XDG_CACHE_HOME", dir / "cache"};
    ScopedEnv helper_env{"SSHUTTLE_SERVER_HELPER", helper};
    ScopedEnv ssh_argv_env{"FAKE_SSH_ARGV", dir / "ssh-argv"};
    ScopedEnv server_argv_env{"STAND_IN_ARGV", dir / "server-argv"};
    ScopedEnv remote_path{"FAKE_REMOTE_PATH", std::nullopt};

    LaunchConfig options() const {
        LaunchConfig o;
        o.remote = RemoteHost{"alice", "", "192.0.2.1", 2222};
        o.ssh_cmd = fake_ssh + " -o 'BatchMode yes'";
        return o;
    }
    std::string cached_path() const {
        return dir / ("cache/sshuttle/sshuttle-server-" + sha256_hex(test::read_file(helper)));
    }
    // The stand-in is not the helper this client was built with: the test names its digest (as it is now).
    LaunchParams params() const {
        LaunchParams p;
        p.helper_sha256 = sha256_hex(test::read_file(helper));
        return p;
    }
};

}  // namespace

TEST_CASE("bootstrap: first start uploads into the cache, second start runs the cached server") {
    Remote remote;
    LaunchConfig options = remote.options();
    options.verbose = 1;

    test::StartedChild first = test::take_child(start_server(options, remote.params()));
    CHECK(first.uploaded);
    CHECK(first.description == "ssh alice@192.0.2.1 (port 2222)");
    check_stream_intact(first);
    CHECK(finish(first) == 0);
    CHECK(test::is_executable_file(remote.cached_path()));
    CHECK(test::read_file(remote.cached_path()) == test::read_file(remote.helper));
    CHECK(test::read_file(remote.dir / "server-argv") == "--server\n-v\n");
    // The argv ssh got: the -e words, the port, user@host, the delimiter, then the remote command.
    std::string ssh_argv = test::read_file(remote.dir / "ssh-argv");
    CHECK(ssh_argv.rfind("-o\nBatchMode yes\n-p\n2222\nalice@192.0.2.1\n--\n/bin/sh -c ", 0) == 0);

    test::StartedChild second = test::take_child(start_server(options, remote.params()));
    CHECK_FALSE(second.uploaded);
    check_stream_intact(second);
    CHECK(finish(second) == 0);
}

TEST_CASE("bootstrap: a changed helper is uploaded again under its new hash") {
    Remote remote;
    test::StartedChild first = test::take_child(start_server(remote.options(), remote.params()));
    CHECK(first.uploaded);
    CHECK(finish(first) == 0);
    std::string old_cached = remote.cached_path();
    remote.dir.write("helper/sshuttle-server", std::string(kStandInServer) + "# version 2\n", 0755);
    test::StartedChild second = test::take_child(start_server(remote.options(), remote.params()));
    CHECK(second.uploaded);
    CHECK(finish(second) == 0);
    CHECK(remote.cached_path() != old_cached);
    CHECK(test::is_executable_file(remote.cached_path()));
}

TEST_CASE("bootstrap: a remote of another architecture falls back to the Python server") {
    Remote remote;
    remote.dir.write("fake-bin/uname", "#!/bin/sh\necho 'Linux aarch64'\n", 0755);
    ScopedEnv path{"FAKE_REMOTE_PATH", remote.dir / "fake-bin"};
    test::StartedChild launch = test::take_child(start_server(remote.options(), remote.params()));
    CHECK_FALSE(launch.uploaded);
    test::check_real_server(launch.fd);
    CHECK(finish(launch) == 0);
}

TEST_CASE("bootstrap: another architecture and no usable Python is exit code 97 with the reason") {
    Remote remote;
    remote.dir.write("fake-bin/uname", "#!/bin/sh\necho 'Linux aarch64'\n", 0755);
    remote.dir.write("fake-bin/python3", "#!/bin/sh\nexit 1\n", 0755);
    remote.dir.write("fake-bin/python", "#!/bin/sh\nexit 1\n", 0755);
    ScopedEnv path{"FAKE_REMOTE_PATH", remote.dir / "fake-bin"};
    CHECK_THROWS_WITH_AS(start_server(remote.options(), remote.params()),
                         ("ssh alice@192.0.2.1 (port 2222) ended before the server's sync header: " + describe_exit(97) +
                          " (last output: no python3 or python (3.6 or later) on the remote for the Python server "
                          "(platform Linux aarch64))")
                             .c_str(),
                         TransportError);
}

TEST_CASE("bootstrap: an unwritable cache directory gets the clear error") {
    Remote remote;
    // A regular file where a directory is needed: mkdir fails even for root (unlike a chmod'ed directory).
    remote.dir.write("blocker", "");
    ScopedEnv cache{"XDG_CACHE_HOME", remote.dir / "blocker/cache"};
    const std::string dir = remote.dir / "blocker/cache/sshuttle";
    try {
        start_server(remote.options(), remote.params());
        FAIL("start_server succeeded");
    } catch (const TransportError& e) {
        // The middle is mkdir's own words (they differ between implementations and locales).
        const std::string message = e.what();
        CHECK(message.rfind("cannot write the remote cache directory '" + dir + "' (last output: mkdir: ", 0) == 0);
        CHECK(message.find("Not a directory") != std::string::npos);
        const std::string hint = "): set XDG_CACHE_HOME on the remote to a writable directory, or use --server-cmd";
        CHECK(message.substr(message.size() - hint.size()) == hint);
    }
}

TEST_CASE("bootstrap: a server that cannot be executed falls back to the Python server") {
    Remote remote;
    std::string interpreter = remote.dir.write("not-executable", "", 0644);
    remote.dir.write("helper/sshuttle-server", "#!" + interpreter + "\n", 0755);
    test::StartedChild launch = test::take_child(start_server(remote.options(), remote.params()));
    test::check_real_server(launch.fd);
    CHECK(finish(launch) == 0);
    CHECK_FALSE(test::is_executable_file(remote.cached_path()));  // dropped, and a .noexec marker left instead
}
TEST_CASE("bootstrap: ssh failing with 255 names the -x hint") {
    Remote remote;
    LaunchConfig options = remote.options();
    options.ssh_cmd = remote.dir.write("failing-ssh", "#!/bin/sh\necho 'ssh: connect: refused' >&2\nexit 255\n", 0755);
    CHECK_THROWS_WITH_AS(start_server(options, remote.params()),
                         ("ssh alice@192.0.2.1 (port 2222) ended before the server's sync header: " + describe_exit(255))
                             .c_str(),
                         TransportError);
}

TEST_CASE("bootstrap: --server-cmd runs the installed server with the server arguments, no upload") {
    Remote remote;
    LaunchConfig options = remote.options();
    options.server_cmd = remote.helper;
    options.latency_control = false;
    test::StartedChild launch = test::take_child(start_server(options, remote.params()));
    CHECK_FALSE(launch.uploaded);
    check_stream_intact(launch);
    CHECK(finish(launch) == 0);
    CHECK(test::read_file(remote.dir / "server-argv") == "--server\n--no-latency-control\n");
    CHECK_FALSE(test::is_executable_file(remote.cached_path()));
}

TEST_CASE("bootstrap: a missing --server-cmd gets exit code 127 and the remote's words") {
    Remote remote;
    LaunchConfig options = remote.options();
    options.server_cmd = "/nonexistent/sshuttle";
    CHECK_THROWS_WITH_AS(start_server(options, remote.params()),
                         "ssh alice@192.0.2.1 (port 2222): the --server-cmd command was not found on the remote (exit "
                         "code 127)",
                         TransportError);
}

TEST_CASE("bootstrap: a helper named by SSHUTTLE_SERVER_HELPER is checked like any: another file is not uploaded") {
    Remote remote;  // SSHUTTLE_SERVER_HELPER names the stand-in, which is not the helper this client was built with
    CHECK_THROWS_WITH_AS(start_server(remote.options(), LaunchParams{}),
                         ("the server helper '" + remote.helper + "' is not the one this sshuttle was built with " +
                          "(SHA-256 " + sha256_hex(test::read_file(remote.helper)) + ", expected " +
                          std::string(built_helper_sha256()) +
                          "): refusing to upload it (reinstall sshuttle, or use --server-cmd or --python)")
                             .c_str(),
                         TransportError);
    CHECK_FALSE(std::filesystem::exists(remote.dir / "ssh-argv"));  // ssh was never started
}

TEST_CASE("bootstrap: the real sshuttle-server helper is uploaded, cached and speaks the mux") {
    Remote remote;
    ScopedEnv helper{"SSHUTTLE_SERVER_HELPER", test::built_helper()};
    for (bool expect_upload : {true, false}) {
        test::StartedChild launch = test::take_child(start_server(remote.options(), LaunchParams{}));
        CHECK(launch.uploaded == expect_upload);
        test::check_real_server(launch.fd);
        finish(launch);
    }
    const std::string cached =
        remote.dir / ("cache/sshuttle/sshuttle-server-" + sha256_hex(test::read_file(test::built_helper())));
    CHECK(test::is_executable_file(cached));
}
