// SPDX-License-Identifier: LGPL-2.1-or-later
// Transport plugins in the core: the launch through a plugin (bootstrap, upload, sync header), the Asio stream
// over it, the fallback rules and the error messages. The plugin is a fixture (fixtures/spawn_transport.cpp)
// that runs the remote command as a local child, so the real helper is uploaded and run as over ssh.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <random>

#include "mux_probe.hpp"
#include "scratch.hpp"
#include "transport/plugin_connection.hpp"
#include "transport/plugin_stream.hpp"
#include "transport/server_helper.hpp"
#include "transport/plugin_server.hpp"
#include "transport/server_launch.hpp"
#include "transport/transport_choice.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;
using sshuttle::stream::ByteStream;
using test::ScopedEnv;
using test::ScratchDir;



namespace {

struct PluginRemote {
    ScratchDir dir;
    ScopedEnv home{"HOME", dir / "home"};
    ScopedEnv cache{"XDG_CACHE_HOME", dir / "cache"};
    ScopedEnv helper_env{"SSHUTTLE_SERVER_HELPER", test::built_helper()};
    ScopedEnv no_path{"SSHUTTLE_PLUGIN_PATH", std::nullopt};

    LaunchConfig options(std::vector<std::pair<std::string, std::string>> transport_options = {}) const {
        LaunchConfig o;
        o.remote = RemoteHost{"alice", "", "192.0.2.1", 0};
        o.transport = "spawn";
        o.transport_options = std::move(transport_options);
        o.plugin_dirs = {SPAWN_FIXTURE_DIR};
        return o;
    }
};

// Blocking helpers over the asynchronous stream: run the loop until the operation completes.
void write_all(boost::asio::io_context& io, ByteStream& stream, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        bool done = false;
        stream.async_write_some(data.data() + sent, data.size() - sent,
                                [&](const boost::system::error_code& ec, std::size_t n) {
                                    REQUIRE_FALSE(ec);
                                    sent += n;
                                    done = true;
                                });
        while (!done) io.run_one();
    }
}

std::string read_some(boost::asio::io_context& io, ByteStream& stream, boost::system::error_code& ec) {
    char buf[65536];
    bool done = false;
    std::size_t got = 0;
    stream.async_read_some(buf, sizeof buf, [&](const boost::system::error_code& e, std::size_t n) {
        ec = e;
        got = n;
        done = true;
    });
    while (!done) io.run_one();
    return std::string(buf, got);
}

std::string frame(uint16_t channel, uint16_t command, const std::string& payload) {
    std::string bytes = {'S', 'S', static_cast<char>(channel >> 8), static_cast<char>(channel & 0xff),
                         static_cast<char>(command >> 8), static_cast<char>(command & 0xff),
                         static_cast<char>(payload.size() >> 8), static_cast<char>(payload.size() & 0xff)};
    return bytes + payload;
}

}  // namespace

TEST_CASE("plugin transport: the helper is uploaded through the plugin and answers PING over the Asio stream") {
    PluginRemote remote;
    std::unique_ptr<ServerConnection> first = start_server(remote.options({{"chunk", "1000"}}), LaunchParams{});
    REQUIRE(dynamic_cast<PluginServer*>(first.get()) != nullptr);
    CHECK(first->uploaded());
    CHECK(first->description() == "spawn alice@192.0.2.1");

    boost::asio::io_context io;
    auto stream = first->stream(io);
    write_all(io, *stream, frame(0, test::kCmdPing, "through the plugin"));
    std::string received;
    boost::system::error_code ec;
    while (received.find("through the plugin") == std::string::npos) {
        received += read_some(io, *stream, ec);
        REQUIRE_FALSE(ec);
    }
    // The PONG header sits just before its payload.
    const auto at = received.find("through the plugin");
    REQUIRE(at >= 8);
    CHECK(static_cast<uint8_t>(received[at - 4]) == (test::kCmdPong >> 8));
    CHECK(static_cast<uint8_t>(received[at - 3]) == (test::kCmdPong & 0xff));
    stream.reset();
    CHECK(first->end().empty());

    // Second start: the cached helper runs without an upload.
    CHECK_FALSE(start_server(remote.options(), LaunchParams{})->uploaded());
}

namespace {

// Connects the fixture to a local command directly (no bootstrap) and returns the connection.
std::shared_ptr<PluginConnection> connect_fixture(const std::string& command,
                                                  std::vector<std::pair<std::string, std::string>> options = {}) {
    auto connection = std::make_shared<PluginConnection>("spawn", std::vector<std::string>{SPAWN_FIXTURE_DIR}, options);
    PluginTarget target;
    target.host = "fixture";
    target.remote_argv = {"/bin/sh", "-c", command};
    target.remote_command = "/bin/sh -c '" + command + "'";
    connection->open(target);
    connection->wait_open();
    return connection;
}

}  // namespace

TEST_CASE("plugin transport: 8 MiB round trip through a partial-I/O plugin stays intact and ordered") {
    ScopedEnv no_path{"SSHUTTLE_PLUGIN_PATH", std::nullopt};
    boost::asio::io_context io;
    auto stream = make_plugin_stream(io, connect_fixture("cat", {{"chunk", "3000"}}), "fixture");

    std::string data(8 << 20, '\0');
    std::mt19937 random(7);
    for (auto& c : data) c = static_cast<char>(random());

    // Both directions at once, as the mux drives them: a write chain and a read chain on one loop.
    std::size_t sent = 0;
    std::function<void()> write_more = [&] {
        if (sent == data.size()) {
            stream->shutdown_write();
            return;
        }
        stream->async_write_some(data.data() + sent, std::min<std::size_t>(65536, data.size() - sent),
                                 [&](const boost::system::error_code& ec, std::size_t n) {
                                     REQUIRE_FALSE(ec);
                                     sent += n;
                                     write_more();
                                 });
    };
    std::string received;
    std::vector<char> buf(100000);
    bool ended = false;
    std::function<void()> read_more = [&] {
        stream->async_read_some(buf.data(), buf.size(), [&](const boost::system::error_code& ec, std::size_t n) {
            if (ec) {
                CHECK(ec == boost::asio::error::eof);
                ended = true;
                return;
            }
            received.append(buf.data(), n);
            read_more();
        });
    };
    write_more();
    read_more();
    io.run();
    CHECK(ended);
    CHECK(sent == data.size());
    CHECK(received.size() == data.size());
    CHECK(received == data);
}

TEST_CASE("plugin transport: a dead transport reported by the keepalive tick ends the stream") {
    ScopedEnv no_path{"SSHUTTLE_PLUGIN_PATH", std::nullopt};
    boost::asio::io_context io;
    auto connection = connect_fixture("sleep 30", {{"die-after", "1"}});
    auto stream = make_plugin_stream(io, connection, "fixture");
    boost::system::error_code ec;
    read_some(io, *stream, ec);
    CHECK(ec == boost::asio::error::connection_reset);
    CHECK(connection->end_message() == "keepalive: no answer from the fixture");
}

TEST_CASE("plugin transport: a remote command that fails before the header is reported with its exit status") {
    PluginRemote remote;
    LaunchConfig options = remote.options();
    options.server_cmd = "echo 'no server here' >&2; exit 3";
    try {
        start_server(options, LaunchParams{});
        FAIL("start_server should have thrown");
    } catch (const TransportError& e) {
        CHECK(std::string(e.what()).find("exit code 3") != std::string::npos);
    }
}

TEST_CASE("plugin transport: choosing the transport") {
    ScopedEnv no_path{"SSHUTTLE_PLUGIN_PATH", std::nullopt};
    LaunchConfig options;
    CHECK_FALSE(choose_transport(options));  // local mode: no transport at all
    options.remote = RemoteHost{"bob", "secret", "192.0.2.1", 0};
    options.plugin_dirs = {SPAWN_FIXTURE_DIR};
    options.transport = "spawn";
    options.transport_options = {{"chunk", "10"}};
    auto choice = choose_transport(options);
    REQUIRE(choice);
    CHECK(choice->name == "spawn");
    CHECK(choice->explicit_choice);
    CHECK(choice->options == std::vector<std::pair<std::string, std::string>>{{"chunk", "10"}, {"password", "secret"}});

    options.transport = "command";
    CHECK_FALSE(choose_transport(options));
    options.transport = "";
    options.ssh_cmd = "ssh -F /dev/null";
    CHECK_FALSE(choose_transport(options));  // -e means the ssh program
    options.transport = "spawn";
    CHECK_THROWS_WITH_AS(choose_transport(options),
                         "--ssh-cmd 'ssh -F /dev/null' selects the ssh program, but --transport 'spawn' asks for a "
                         "plugin: use one or the other",
                         TransportError);
}

TEST_CASE("plugin transport: a plugin that declines is an error when named, with its reason") {
    PluginRemote remote;
    LaunchConfig options = remote.options({{"unsupported", "ProxyCommand is not supported by this transport"}});
    CHECK_THROWS_WITH_AS(start_server(options, LaunchParams{}), "ProxyCommand is not supported by this transport",
                         TransportError);
}
