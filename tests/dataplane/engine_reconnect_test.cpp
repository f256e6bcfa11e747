// SPDX-License-Identifier: LGPL-2.1-or-later
// The data plane across a lost server (EngineOptions::survive_server_loss): connections open at the loss are
// reset, new ones are held and carried over the next server stream, and the hold is bounded in count.
#include <doctest/doctest.h>

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

struct Reconnecting {
    boost::asio::io_context io;
    std::unique_ptr<server::Server> server;
    std::unique_ptr<client::ClientEngine> engine;
    uint16_t redirect_port = 0;
    net::Endpoint target;
    int routes_calls = 0;
    std::vector<std::string> closed_reasons;

    explicit Reconnecting(std::size_t held_limit = 256) {
        client::EngineOptions options;
        options.survive_server_loss = true;
        options.held_limit = held_limit;
        engine = std::make_unique<client::ClientEngine>(io, new_server_stream(), options);
        engine->on_routes = [this](const std::vector<client::Route>&) { ++routes_calls; };
        engine->on_closed = [this](const std::string& reason) { closed_reasons.push_back(reason); };
        engine->start();
        engine->add_tcp_listener(test::listen_on_loopback(redirect_port),
                                 [this](int) -> std::optional<net::Endpoint> { return target; });
    }

    // A fresh in-process server on a socketpair; returns the client's end.
    std::unique_ptr<stream::ByteStream> new_server_stream() {
        auto [client_fd, server_fd] = test::make_socketpair();
        server = std::make_unique<server::Server>(io, server::make_stdio_stream(io, server_fd, server_fd),
                                                  server::ServerOptions{});
        server->start();
        return stream::make_fd_stream(io, client_fd, "in-process server");
    }

    void lose_server() { server->stop(); }

    std::shared_ptr<test::AppConnection> connect(std::string payload, bool half_close = true) {
        auto app = std::make_shared<test::AppConnection>(io, redirect_port, std::move(payload), half_close);
        app->start();
        return app;
    }

    bool run_until(const std::function<bool()>& pred) { return test::run_until(io, pred); }
};

}  // namespace

TEST_CASE("engine reconnect: an open connection is reset at the loss, a new one is held and then carried") {
    Reconnecting t;
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());

    auto open = t.connect("before the loss", false);
    REQUIRE(t.run_until([&] { return open->received == "before the loss"; }));
    t.lose_server();
    REQUIRE(t.run_until([&] { return !t.closed_reasons.empty() && open->done; }));
    CHECK(open->read_error == boost::asio::error::connection_reset);

    auto held = t.connect("held during the outage");
    REQUIRE(t.run_until([&] { return t.engine->held_connections() == 1; }));
    CHECK(t.engine->open_channels() == 0);

    t.engine->attach(t.new_server_stream());
    REQUIRE(t.run_until([&] { return held->done; }));
    CHECK_FALSE(held->read_error);
    CHECK(held->received == "held during the outage");
    CHECK(t.engine->held_connections() == 0);
    CHECK(t.routes_calls == 2);  // each server stream reports its routes
    CHECK(t.closed_reasons.size() == 1);
}

TEST_CASE("engine reconnect: past the hold limit a new connection is reset at once") {
    Reconnecting t(1);
    test::EchoServer echo(t.io);
    t.target = test::loopback(echo.port());
    REQUIRE(t.run_until([&] { return t.routes_calls == 1; }));
    t.lose_server();
    REQUIRE(t.run_until([&] { return !t.closed_reasons.empty(); }));

    auto first = t.connect("first", false);
    REQUIRE(t.run_until([&] { return t.engine->held_connections() == 1; }));
    auto second = t.connect("second", false);
    REQUIRE(t.run_until([&] { return second->done; }));
    CHECK(second->read_error == boost::asio::error::connection_reset);
    CHECK(t.engine->held_connections() == 1);

    t.engine->attach(t.new_server_stream());
    REQUIRE(t.run_until([&] { return first->received == "first"; }));
}
