// SPDX-License-Identifier: LGPL-2.1-or-later
// Local mode (no -r): the server runs as a child of ours; the stand-in script plays "this program --server".
#include <doctest/doctest.h>

#include "mux_probe.hpp"
#include "scratch.hpp"
#include "stand_in_server.hpp"
#include "transport/server_launch.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;
using test::ScopedEnv;
using test::ScratchDir;

TEST_CASE("local: runs self_exe --server with the bypass mark and options") {
    ScratchDir dir;
    ScopedEnv argv_file{"STAND_IN_ARGV", dir / "server-argv"};
    LaunchParams params;
    params.self_exe = dir.write("sshuttle", test::kStandInServer, 0755);
    params.bypass_mark = 0x5353;
    LaunchConfig options;
    options.verbose = 2;
    options.auto_nets = true;
    test::StartedChild launch = test::take_child(start_server(options, params));
    CHECK(launch.description == "local server");
    CHECK_FALSE(launch.uploaded);
    test::check_stream_intact(launch);
    CHECK(test::finish(launch) == 0);
    CHECK(test::read_file(dir / "server-argv") == "--server\n-v\n-v\n--auto-nets\n--mark\n21331\n");
}

TEST_CASE("local: --server-cmd runs under /bin/sh with the server arguments appended") {
    ScratchDir dir;
    ScopedEnv argv_file{"STAND_IN_ARGV", dir / "server-argv"};
    std::string server = dir.write("my server", test::kStandInServer, 0755);
    LaunchConfig options;
    options.server_cmd = "SOME_VAR=1 '" + server + "' --extra";
    LaunchParams params;
    params.bypass_mark = 7;
    test::StartedChild launch = test::take_child(start_server(options, params));
    test::check_stream_intact(launch);
    CHECK(test::finish(launch) == 0);
    CHECK(test::read_file(dir / "server-argv") == "--extra\n--server\n--mark\n7\n");
}

TEST_CASE("local: a server that dies before its header is reported with its exit code") {
    ScratchDir dir;
    LaunchParams params;
    params.self_exe = dir.write("dying", "#!/bin/sh\necho 'fatal: no way'\nexit 99\n", 0755);
    CHECK_THROWS_WITH_AS(start_server(LaunchConfig{}, params),
                         ("the local server '" + params.self_exe + " --server' ended before the server's sync header: " +
                          describe_exit(99) + " (last output: fatal: no way)")
                             .c_str(),
                         TransportError);
}

TEST_CASE("local: a missing program is exit code 127") {
    LaunchParams params;
    params.self_exe = "/nonexistent/sshuttle";
    CHECK_THROWS_WITH_AS(start_server(LaunchConfig{}, params),
                         ("the local server '/nonexistent/sshuttle --server' ended before the server's sync header: " +
                          describe_exit(127))
                             .c_str(),
                         TransportError);
}

TEST_CASE("local: a wrong sync header is an error and the child is not left behind") {
    ScratchDir dir;
    LaunchParams params;
    params.self_exe = dir.write("wrong", "#!/bin/sh\nprintf '\\0\\0SSHUTTLE9999'\nexec cat\n", 0755);
    CHECK_THROWS_WITH_AS(start_server(LaunchConfig{}, params),
                         "expected the server's sync header 'SSHUTTLE0001', got 'SSHUTTLE9999'", TransportError);
}

TEST_CASE("local: the real sshuttle-server helper starts and speaks the mux") {
    LaunchParams params;
    params.self_exe = test::built_helper();
    params.bypass_mark = 0x2a;
    LaunchConfig options;
    options.latency_control = false;
    test::StartedChild launch = test::take_child(start_server(options, params));
    test::check_real_server(launch.fd);
    test::finish(launch);
}

TEST_CASE("local: --server-cmd runs upstream's Python server (Debian's sshuttle), which speaks the same mux") {
    // Debian's sshuttle 1.1.1 has no --server option; its server module is started the way its own bootstrap
    // does. The appended server arguments only land in sys.argv.
    LaunchConfig options;
    options.server_cmd = "/usr/bin/python3 -c 'from sshuttle import server; server.main(True, 32768, False, None, False)'";
    test::StartedChild launch = test::take_child(start_server(options, LaunchParams{}));
    test::check_real_server(launch.fd);
    test::finish(launch);
}
