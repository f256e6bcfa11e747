// SPDX-License-Identifier: LGPL-2.1-or-later
// The Mux against a raw peer on a socketpair: handshake, control frames, malformed input, fairness and
// flow-control bounds.
#include <doctest/doctest.h>

#include "mux/extension.hpp"
#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "support/socket_stream.hpp"

using namespace sshuttle;
using namespace sshuttle::mux;

namespace {

std::string frame(uint16_t channel, Command cmd, std::string_view payload = {}) {
    std::vector<uint8_t> out;
    append_frame(out, channel, cmd, text_bytes(payload));
    return {out.begin(), out.end()};
}

struct Recorder : ChannelEndpoint {
    std::vector<std::pair<Command, std::string>> frames;
    int ready = 0;
    bool closed = false;
    void on_frame(Command cmd, std::span<const uint8_t> payload) override {
        frames.emplace_back(cmd, std::string(as_text(payload)));
    }
    void on_send_ready() override { ++ready; }
    void on_mux_closed() override { closed = true; }
};

struct Fixture {
    boost::asio::io_context io;
    std::shared_ptr<Mux> mux;
    std::unique_ptr<test::RawPeer> peer;
    std::optional<std::pair<std::string, bool>> closed;

    explicit Fixture(MuxOptions options) {
        auto [ours, theirs] = test::make_socketpair();
        mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
        peer = std::make_unique<test::RawPeer>(io, theirs);
        mux->on_closed = [this](const std::string& reason, bool clean) {
            CHECK_FALSE(closed);  // exactly once
            closed.emplace(reason, clean);
        };
    }
    bool run_until_received(const std::string& bytes) {
        return test::run_until(io, [&] { return peer->received.find(bytes) != std::string::npos; });
    }
    bool run_until_closed() { return test::run_until(io, [&] { return closed.has_value(); }); }
};

MuxOptions server_options() {
    MuxOptions options;
    options.is_server = true;
    return options;
}

MuxOptions synced_client_options() {
    MuxOptions options;
    options.expect_sync_header = false;
    return options;
}

}  // namespace

TEST_CASE("mux: the server sends the sync header and a PING, and answers PING with PONG") {
    Fixture f(server_options());
    f.mux->start();
    // Our server's first PING carries the extension's hello (upstream's client echoes any payload).
    const auto hello = encode_hello({kExtensionVersion, MuxOptions{}.initial_window});
    REQUIRE(f.run_until_received(frame(0, Command::kPing, hello)));
    CHECK(f.peer->received == std::string(kSyncHeader) + frame(0, Command::kPing, hello));
    f.peer->write(frame(0, Command::kPing, "rttest"));
    CHECK(f.run_until_received(frame(0, Command::kPong, "rttest")));
}

TEST_CASE("mux: with the extension off the server's PING is upstream's") {
    auto options = server_options();
    options.extension = false;
    Fixture f(options);
    f.mux->start();
    REQUIRE(f.run_until_received(frame(0, Command::kPing, "chicken")));
    CHECK(f.peer->received == std::string(kSyncHeader) + frame(0, Command::kPing, "chicken"));
}

TEST_CASE("mux: the client sends nothing before the sync header, then its PING") {
    Fixture f(MuxOptions{});
    f.mux->start();
    f.io.poll();
    f.io.poll();
    CHECK(f.peer->received.empty());
    f.peer->write("Welcome to the host\n" + std::string(kSyncHeader) + frame(0, Command::kPing, "x"));
    REQUIRE(f.run_until_received(frame(0, Command::kPong, "x")));
    CHECK(f.peer->received.starts_with(frame(0, Command::kPing, "chicken")));
}

TEST_CASE("mux: a wrong sync header ends the session") {
    Fixture f(MuxOptions{});
    f.mux->start();
    f.peer->write(std::string("\0\0SSHUTTLE9999", 14));
    REQUIRE(f.run_until_closed());
    CHECK(f.closed->first == "expected the server's sync header 'SSHUTTLE0001', got 'SSHUTTLE9999'");
    CHECK_FALSE(f.closed->second);
}

TEST_CASE("mux: malformed input ends the session with a reason") {
    SUBCASE("bad magic") {
        Fixture f(server_options());
        f.mux->start();
        f.peer->write(std::string("XX\1\2\3\4\0\0", 8));
        REQUIRE(f.run_until_closed());
        CHECK(f.closed->first == "protocol error: bad frame magic 'XX' (expected 'SS')");
    }
    SUBCASE("unknown command") {
        Fixture f(server_options());
        f.mux->start();
        f.peer->write(std::string("SS\0\x05\x42\x99\0\0", 8));
        REQUIRE(f.run_until_closed());
        CHECK(f.closed->first == "protocol error: unknown command 0x4299 on channel 5");
    }
    SUBCASE("truncated frame at EOF") {
        Fixture f(server_options());
        f.mux->start();
        f.peer->write(frame(3, Command::kTcpData, "hello").substr(0, 10));
        f.peer->shutdown_write();
        REQUIRE(f.run_until_closed());
        CHECK(f.closed->first == "peer closed the stream inside a frame (10 bytes of a truncated frame)");
        CHECK_FALSE(f.closed->second);
    }
    SUBCASE("clean EOF") {
        Fixture f(server_options());
        f.mux->start();
        f.peer->shutdown_write();
        REQUIRE(f.run_until_closed());
        CHECK(f.closed->second);
    }
}

TEST_CASE("mux: frames for unknown channels and CONNECT on a busy channel are dropped, the session lives") {
    Fixture f(server_options());
    std::vector<uint16_t> opened;
    auto endpoint = std::make_shared<Recorder>();
    f.mux->on_open = [&](uint16_t channel, Command cmd, std::span<const uint8_t>) {
        CHECK(cmd == Command::kTcpConnect);
        opened.push_back(channel);
        f.mux->attach(channel, endpoint);
    };
    f.mux->start();
    f.peer->write(frame(9, Command::kTcpData, "nobody") + frame(5, Command::kTcpConnect, "2,192.0.2.1,80") +
                  frame(5, Command::kTcpConnect, "2,192.0.2.1,80") + frame(5, Command::kTcpData, "hi") +
                  frame(0, Command::kTcpConnect, "2,192.0.2.1,80") + frame(0, Command::kPing, "alive"));
    REQUIRE(f.run_until_received(frame(0, Command::kPong, "alive")));
    CHECK(opened == std::vector<uint16_t>{5});
    REQUIRE(endpoint->frames.size() == 1);
    CHECK(endpoint->frames[0] == std::pair<Command, std::string>{Command::kTcpData, "hi"});
    CHECK_FALSE(f.closed);
    f.mux->close("done");
    CHECK(endpoint->closed);
}

TEST_CASE("mux: round-robin lets a small frame overtake a bulk channel's backlog") {
    Fixture f(synced_client_options());
    f.mux->start();
    const std::string bulk(60000, 'b');
    for (int i = 0; i < 20; ++i) f.mux->send(1, Command::kTcpData, text_bytes(bulk));
    f.mux->send(2, Command::kTcpData, text_bytes("interactive"));
    const std::size_t total = frame(0, Command::kPing, "chicken").size() + 20 * (bulk.size() + 8) + 19;
    REQUIRE(test::run_until(f.io, [&] { return f.peer->received.size() >= total; }));
    FrameDecoder decoder;
    decoder.feed(text_bytes(f.peer->received));
    std::vector<uint16_t> order;
    while (auto view = decoder.next()) order.push_back(view->channel);
    REQUIRE(order.size() == 22);
    const auto position = std::find(order.begin(), order.end(), 2) - order.begin();
    CHECK(position <= 3);  // PING, at most the two bulk frames already being written, then ours
}

TEST_CASE("mux: flow control bounds per channel and in total, and wakes waiting channels") {
    Fixture f(MuxOptions{});  // not synced yet: nothing drains, so the bounds are exact
    f.mux->start();
    const auto limits = f.mux->limits();
    CHECK(limits.per_channel_bytes == 32768);
    CHECK(limits.total_bytes == 8 * 32768);
    auto endpoint = std::make_shared<Recorder>();
    f.mux->attach(1, endpoint);
    const std::string chunk(limits.per_channel_bytes, 'x');
    f.mux->send_data(1, text_bytes(chunk));
    CHECK_FALSE(f.mux->can_send(1));
    CHECK(f.mux->can_send(2));
    f.mux->wait_for_room(1);
    for (uint16_t channel = 2; channel <= 8; ++channel) f.mux->send_data(channel, text_bytes(chunk));
    CHECK_FALSE(f.mux->can_send(9));
    f.peer->write(std::string(kSyncHeader));
    REQUIRE(test::run_until(f.io, [&] { return endpoint->ready > 0; }));
    CHECK(f.mux->can_send(1));
}

TEST_CASE("mux: channel allocation wraps, skips ids in use and gives up when all are taken") {
    MuxOptions options;
    options.wrap = 3;
    Fixture f(options);
    auto endpoint = std::make_shared<Recorder>();
    for (uint16_t expected = 1; expected <= 3; ++expected) {
        const auto channel = f.mux->allocate_channel();
        CHECK(channel == expected);
        f.mux->attach(channel, endpoint);
    }
    CHECK(f.mux->allocate_channel() == 0);
    f.mux->detach(2);
    CHECK(f.mux->allocate_channel() == 2);
}
