// SPDX-License-Identifier: LGPL-2.1-or-later
// The whole data plane in one process: application -> redirect listener -> ClientEngine -> socketpair ->
// Server -> real destinations on 127.0.0.1. Everything runs on one io_context.
#include <doctest/doctest.h>

#include <algorithm>
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

struct Tunnel {
    boost::asio::io_context io;
    std::unique_ptr<server::Server> server;
    std::unique_ptr<client::ClientEngine> engine;
    uint16_t redirect_port = 0;
    net::Endpoint target;  // what the OriginalDst callback answers
    std::optional<std::vector<client::Route>> routes;
    int routes_calls = 0;
    std::vector<std::string> closed_reasons;
    std::optional<bool> server_clean;

    Tunnel() {
        auto [client_fd, server_fd] = test::make_socketpair();
        server = std::make_unique<server::Server>(io, server::make_stdio_stream(io, server_fd, server_fd),
                                                  server::ServerOptions{});
        server->on_closed = [this](const std::string&, bool clean) { server_clean = clean; };
        server->start();
        engine = std::make_unique<client::ClientEngine>(io, stream::make_fd_stream(io, client_fd, "in-process server"),
                                                        client::EngineOptions{});
        attach_engine();
    }

    void attach_engine() {
        engine->on_routes = [this](const std::vector<client::Route>& r) {
            ++routes_calls;
            routes = r;
        };
        engine->on_closed = [this](const std::string& reason) { closed_reasons.push_back(reason); };
        engine->start();
        engine->add_tcp_listener(test::listen_on_loopback(redirect_port),
                                 [this](int) -> std::optional<net::Endpoint> { return target; });
    }

    std::shared_ptr<test::AppConnection> connect(std::string payload, bool half_close = true) {
        auto app = std::make_shared<test::AppConnection>(io, redirect_port, std::move(payload), half_close);
        app->start();
        return app;
    }

    bool run_until(const std::function<bool()>& pred) { return test::run_until(io, pred); }
};

}  // namespace

TEST_CASE("dataplane: 10 MB echo through the tunnel arrives intact") {
    Tunnel t;
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    auto app = t.connect(test::random_bytes(10 * 1024 * 1024, 1));
    REQUIRE(t.run_until([&] { return app->done; }));
    CHECK_FALSE(app->read_error);
    CHECK(app->received.size() == app->payload().size());
    CHECK(test::checksum(app->received) == test::checksum(app->payload()));
    REQUIRE(t.run_until([&] { return t.engine->open_channels() == 0; }));
    CHECK(t.routes_calls == 1);
    CHECK(t.routes->empty());
}

TEST_CASE("dataplane: 200 concurrent connections each get their own bytes back") {
    Tunnel t;
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    std::vector<std::shared_ptr<test::AppConnection>> apps;
    for (uint32_t i = 0; i < 200; ++i) apps.push_back(t.connect(test::random_bytes(50000 + i * 97, i + 100)));
    REQUIRE(t.run_until([&] {
        for (const auto& app : apps) {
            if (!app->done) return false;
        }
        return true;
    }));
    int intact = 0;
    for (const auto& app : apps) intact += app->received == app->payload() ? 1 : 0;
    CHECK(intact == 200);
    CHECK(echo.accepted == 200);
    REQUIRE(t.run_until([&] { return t.engine->open_channels() == 0; }));
}

TEST_CASE("dataplane: 1500 connections at once, far past select()'s 1024-fd limit") {
    Tunnel t;  // the engine raised RLIMIT_NOFILE; each connection costs 4 fds in this one process
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    std::vector<std::shared_ptr<test::AppConnection>> apps;
    for (uint32_t i = 0; i < 1500; ++i) apps.push_back(t.connect(test::random_bytes(4096, i)));
    REQUIRE(t.run_until([&] {
        return std::all_of(apps.begin(), apps.end(), [](const auto& app) { return app->done; });
    }));
    CHECK(std::count_if(apps.begin(), apps.end(), [](const auto& app) { return app->received == app->payload(); }) ==
          1500);
    REQUIRE(t.run_until([&] { return t.engine->open_channels() == 0; }));
}

TEST_CASE("dataplane: half-close works in both directions") {
    Tunnel t;
    SUBCASE("the application half-closes first and still reads the echo") {
        test::EchoServer echo(t.io);
        t.target = test::loopback(echo.port());
        auto app = t.connect("hello, half-closed world");
        REQUIRE(t.run_until([&] { return app->done; }));
        CHECK(app->received == "hello, half-closed world");
    }
    SUBCASE("the destination half-closes first and still receives everything") {
        test::BannerServer banner(t.io);
        t.target = test::loopback(banner.port());
        const std::string upload = test::random_bytes(300000, 5);
        auto app = t.connect(upload, false);
        REQUIRE(t.run_until([&] { return app->done; }));  // the banner, then EOF, while we keep sending
        CHECK(app->received == "banner\n");
        REQUIRE(t.run_until([&] { return app->written; }));
        CHECK_FALSE(app->write_error);
        REQUIRE(t.run_until([&] { return banner.received == upload.size(); }));
        CHECK_FALSE(banner.got_eof);  // we have not half-closed yet: the connection is still open that way
    }
    CHECK(t.closed_reasons.empty());
}

TEST_CASE("dataplane: a refused destination closes only that connection") {
    Tunnel t;
    test::EchoServer echo(t.io);
    t.target = test::loopback(test::closed_port());
    auto refused = t.connect("nobody listens", false);
    REQUIRE(t.run_until([&] { return refused->done; }));
    CHECK(refused->received.empty());
    REQUIRE(t.run_until([&] { return t.engine->open_channels() == 0; }));

    t.target = test::loopback(echo.port());
    auto app = t.connect("still alive");
    REQUIRE(t.run_until([&] { return app->done; }));
    CHECK(app->received == "still alive");
    CHECK(t.closed_reasons.empty());
}

TEST_CASE("dataplane: on_closed fires exactly once when the server goes away") {
    Tunnel t;
    REQUIRE(t.run_until([&] { return t.routes_calls == 1; }));
    t.server->stop();
    REQUIRE(t.run_until([&] { return !t.closed_reasons.empty(); }));
    t.engine->stop();
    t.io.poll();
    CHECK(t.closed_reasons.size() == 1);
    // EOF on read, or EPIPE if the client happened to be writing (its PONG) when the server closed.
    const auto& reason = t.closed_reasons[0];
    CHECK((reason == "peer closed the stream" || reason == "writing to in-process server failed: Broken pipe"));
}

TEST_CASE("dataplane: the server ends cleanly when the client stops") {
    Tunnel t;
    REQUIRE(t.run_until([&] { return t.routes_calls == 1; }));
    t.engine->stop();
    REQUIRE(t.run_until([&] { return t.server_clean.has_value(); }));
    CHECK(*t.server_clean);
    CHECK(t.closed_reasons.empty());  // stop() is the owner's own doing: no on_closed
}
