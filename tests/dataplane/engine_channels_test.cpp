// SPDX-License-Identifier: LGPL-2.1-or-later
// TCP spread over several server streams (EngineOptions::max_channels, issue 17), with in-process servers
// standing in for the SSH channels: growth as the load asks, the maximum, a lost extra stream resetting only
// its own connections, extras going with the primary, and no growth when the owner cannot open streams.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/engine.hpp"
#include "server/server.hpp"
#include "server/stdio_stream.hpp"
#include "stream/fd_stream.hpp"
#include "support/loopback.hpp"
#include "../mux/support/socket_stream.hpp"

using namespace sshuttle;

namespace {

struct Channels {
    boost::asio::io_context io;
    std::unique_ptr<server::Server> primary;
    std::map<uint64_t, std::unique_ptr<server::Server>> extras;
    std::unique_ptr<client::ClientEngine> engine;
    uint16_t redirect_port = 0;
    net::Endpoint target;
    std::vector<uint64_t> wanted;
    std::vector<uint64_t> closed_extras;
    std::vector<std::string> closed_reasons;
    bool answer = true;  // open the streams asked for (else leave them to the test)

    // growth_rtt zero: the in-process path is microseconds long, and most cases test growth itself.
    explicit Channels(std::size_t max_channels, bool survive = false,
                      std::chrono::steady_clock::duration growth_rtt = {}) {
        client::EngineOptions options;
        options.max_channels = max_channels;
        options.survive_server_loss = survive;
        options.growth_rtt = growth_rtt;
        engine = std::make_unique<client::ClientEngine>(io, new_server(primary), options);
        engine->on_channel_wanted = [this](uint64_t id) {
            wanted.push_back(id);
            if (answer) engine->add_channel(id, new_server(extras[id]));
        };
        engine->on_channel_closed = [this](uint64_t id, const std::string&) { closed_extras.push_back(id); };
        engine->on_closed = [this](const std::string& reason) { closed_reasons.push_back(reason); };
        engine->start();
        engine->add_tcp_listener(test::listen_on_loopback(redirect_port),
                                 [this](int) -> std::optional<net::Endpoint> { return target; });
    }

    // A fresh in-process server on a socketpair, kept in `slot`; returns the client's end.
    std::unique_ptr<stream::ByteStream> new_server(std::unique_ptr<server::Server>& slot) {
        auto [client_fd, server_fd] = test::make_socketpair();
        slot = std::make_unique<server::Server>(io, server::make_stdio_stream(io, server_fd, server_fd),
                                                server::ServerOptions{});
        slot->start();
        return stream::make_fd_stream(io, client_fd, "in-process server");
    }

    std::shared_ptr<test::AppConnection> connect(std::string payload, bool half_close = false) {
        auto app = std::make_shared<test::AppConnection>(io, redirect_port, std::move(payload), half_close);
        app->start();
        return app;
    }

    // Opens `count` connections that stay open, each echoed once (so each is carried by some stream).
    std::vector<std::shared_ptr<test::AppConnection>> open_many(int count) {
        std::vector<std::shared_ptr<test::AppConnection>> apps;
        for (int i = 0; i < count; ++i) {
            apps.push_back(connect("connection " + std::to_string(i)));
            REQUIRE(run_until([&] { return apps.back()->received == apps.back()->payload(); }));
        }
        return apps;
    }

    bool run_until(const std::function<bool()>& pred) { return test::run_until(io, pred); }
};

}  // namespace

TEST_CASE("engine channels: one more stream per busy stream, up to the maximum, then the least loaded") {
    Channels t(3);
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto apps = t.open_many(5);
    CHECK(t.wanted.size() == 2);  // the 2nd and 3rd connection each found every stream busy
    CHECK(t.engine->server_channels() == 3);
    CHECK(t.engine->open_channels() == 5);
    for (auto& app : apps) CHECK_FALSE(app->read_error);
}

TEST_CASE("engine channels: more streams only on a path whose round trip reaches growth_rtt") {
    SUBCASE("a short path keeps one stream, however busy") {
        Channels t(4, false, std::chrono::seconds(1));
        test::EchoServer echo(t.io);
        t.target = test::loopback(echo.port());
        REQUIRE(t.run_until([&] { return t.engine->last_rtt().has_value(); }));  // the path was measured
        auto apps = t.open_many(4);
        CHECK(t.wanted.empty());
        CHECK(t.engine->server_channels() == 1);
        CHECK(t.engine->open_channels() == 4);
    }
    SUBCASE("a long enough path grows once its round trip is measured") {
        // The mux counts any round trip as at least 1 ms, so 1 ms is reached by every measured path.
        Channels t(3, false, std::chrono::milliseconds(1));
        test::EchoServer echo(t.io);
        t.target = test::loopback(echo.port());
        REQUIRE(t.run_until([&] { return t.engine->last_rtt().has_value(); }));
        auto apps = t.open_many(3);
        CHECK(t.wanted.size() == 2);
        CHECK(t.engine->server_channels() == 3);
    }
}

TEST_CASE("engine channels: losing an extra stream resets only its connections; the others carry on") {
    Channels t(2);
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto apps = t.open_many(2);  // the first on the primary, the second on extra 1
    REQUIRE(t.engine->server_channels() == 2);
    t.extras.at(1)->stop();
    REQUIRE(t.run_until([&] { return apps[1]->done; }));
    CHECK(apps[1]->read_error == boost::asio::error::connection_reset);
    CHECK(t.closed_extras == std::vector<uint64_t>{1});
    CHECK(t.closed_reasons.empty());
    CHECK(t.engine->server_channels() == 1);
    CHECK_FALSE(apps[0]->done);
    // The primary still carries, and the next connection opens a new extra stream on demand.
    auto later = t.connect("after the loss", true);
    REQUIRE(t.run_until([&] { return later->done; }));
    CHECK(later->received == "after the loss");
    CHECK(t.wanted.size() == 2);
}

TEST_CASE("engine channels: the extras go with the primary") {
    Channels t(4, true);
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto apps = t.open_many(3);
    REQUIRE(t.engine->server_channels() == 3);
    t.primary->stop();
    REQUIRE(t.run_until([&] { return apps[0]->done && apps[1]->done && apps[2]->done; }));
    for (auto& app : apps) CHECK(app->read_error == boost::asio::error::connection_reset);
    CHECK(t.closed_extras.size() == 2);
    CHECK(t.closed_reasons.size() == 1);
    CHECK(t.engine->server_channels() == 0);
}

TEST_CASE("engine channels: a stream that cannot be opened sends its connection to the primary, once") {
    Channels t(4);
    t.answer = false;
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto first = t.open_many(1);
    auto waiting = t.connect("waits for stream 1");
    REQUIRE(t.run_until([&] { return t.wanted.size() == 1; }));
    CHECK(waiting->received.empty());  // held until the stream is there or refused
    t.engine->channel_failed(t.wanted[0], "administratively prohibited");
    REQUIRE(t.run_until([&] { return waiting->received == waiting->payload(); }));
    auto more = t.open_many(3);
    CHECK(t.wanted.size() == 1);  // refused once: not asked again on this primary
    CHECK(t.engine->server_channels() == 1);
}

TEST_CASE("engine channels: max_channels 1, or no owner hook, never asks for a stream") {
    Channels t(1);
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto apps = t.open_many(4);
    CHECK(t.wanted.empty());
    CHECK(t.engine->server_channels() == 1);
}
