// SPDX-License-Identifier: LGPL-2.1-or-later
// ClientEngine against real server processes on a socketpair: our static sshuttle-server helper, and
// upstream's Python server (Debian package sshuttle) for wire compatibility.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "client/engine.hpp"
#include "stream/byte_stream.hpp"
#include "stream/fd_stream.hpp"
#include "support/loopback.hpp"
#include "util/process.hpp"
#include "../mux/support/socket_stream.hpp"

using namespace sshuttle;

namespace {

// Upstream's server reads the mux on stdin/stdout once its module is imported; main() takes
// (latency_control, latency_buffer_size, auto_hosts, to_nameserver, auto_nets).
const std::vector<std::string> kPythonServer = {
    "/usr/bin/python3", "-c",
    "import sshuttle.server as s, sshuttle.helpers as h; s.main(True, 32768, False, None, False)"};

/// Runs echo traffic through a server process; returns the process's exit status after the client stops.
int exercise(const std::vector<std::string>& argv, int connections, std::size_t bytes_each) {
    boost::asio::io_context io;
    auto child = util::spawn_with_socketpair(argv);
    client::ClientEngine engine(io, stream::make_fd_stream(io, child.fd, argv[0]), client::EngineOptions{});
    test::EchoServer echo(io);
    int routes_calls = 0;
    std::vector<std::string> closed;
    engine.on_routes = [&](const std::vector<client::Route>& routes) {
        ++routes_calls;
        CHECK(routes.empty());
    };
    engine.on_closed = [&](const std::string& reason) { closed.push_back(reason); };
    engine.start();
    uint16_t port = 0;
    engine.add_tcp_listener(test::listen_on_loopback(port),
                            [&](int) -> std::optional<net::Endpoint> { return test::loopback(echo.port()); });

    std::vector<std::shared_ptr<test::AppConnection>> apps;
    for (int i = 0; i < connections; ++i) {
        apps.push_back(std::make_shared<test::AppConnection>(io, port, test::random_bytes(bytes_each, 40 + i)));
        apps.back()->start();
    }
    REQUIRE(test::run_until(io, [&] {
        for (const auto& app : apps) {
            if (!app->done) return false;
        }
        return true;
    }));
    for (const auto& app : apps) CHECK(test::checksum(app->received) == test::checksum(app->payload()));
    CHECK(routes_calls == 1);
    REQUIRE(test::run_until(io, [&] { return engine.open_channels() == 0; }));
    CHECK(closed.empty());
    engine.stop();
    return util::wait_child(child.pid);
}

}  // namespace

TEST_CASE("server process: the static sshuttle-server helper serves a ClientEngine and exits 0") {
    const std::string helper = std::string(SSHUTTLE_TEST_SERVER_HELPER);
    CHECK(exercise({helper, "--server"}, 20, 1 << 20) == 0);
}

TEST_CASE("server process: interoperates with upstream's Python server") {
    CHECK(exercise(kPythonServer, 10, 256 * 1024) == 0);
}

TEST_CASE("server process: upstream's client-side mux (Python) works against our server") {
    // upstream_client.py drives our helper with sshuttle.ssnet's Mux/Proxy/MuxWrapper and echoes 5 x 512 KiB.
    const std::string helper = std::string(SSHUTTLE_TEST_SERVER_HELPER);
    const auto result = util::run_command(
        {"/usr/bin/python3", std::string(SSHUTTLE_TEST_SOURCE_DIR) + "/dataplane/upstream_client.py", helper, "--server"});
    INFO(result.output);
    CHECK(result.exit_status == 0);
}
