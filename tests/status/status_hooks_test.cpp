// SPDX-License-Identifier: LGPL-2.1-or-later
// The data plane's two hooks for the status: the mux's RTT probe, and a TcpChannel's byte counters. Both
// against a raw peer on a socketpair (the mux tests' support).
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>

#include "../mux/support/socket_stream.hpp"
#include "mux/channel_traffic.hpp"
#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "mux/tcp_channel.hpp"

using namespace sshuttle;
using namespace sshuttle::mux;

namespace {

std::string frame(uint16_t channel, Command cmd, std::string_view payload = {}) {
    std::vector<uint8_t> out;
    append_frame(out, channel, cmd, text_bytes(payload));
    return {out.begin(), out.end()};
}

struct Fixture {
    boost::asio::io_context io;
    std::shared_ptr<Mux> mux;
    std::unique_ptr<test::RawPeer> peer;

    Fixture() {
        auto [ours, theirs] = test::make_socketpair();
        MuxOptions options;
        options.expect_sync_header = false;  // as the client after its bootstrap
        mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
        peer = std::make_unique<test::RawPeer>(io, theirs);
        mux->start();
    }
    // A channel and its mux hold each other until the mux closes (as the session closes it): without this, every
    // test that attached a channel would leak both.
    ~Fixture() { mux->close("test over"); }
    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    bool run_until_received(const std::string& bytes) {
        return test::run_until(io, [&] { return peer->received.find(bytes) != std::string::npos; });
    }
};

}  // namespace

TEST_CASE("RTT probe: our PING's PONG gives the round trip; upstream's PONGs do not") {
    Fixture f;
    REQUIRE(f.run_until_received(frame(0, Command::kPing, "chicken")));
    f.peer->write(frame(0, Command::kPong, "chicken"));  // the answer to the start-up PING
    f.io.poll();
    CHECK(!f.mux->last_rtt());

    f.mux->send_rtt_probe();
    REQUIRE(f.run_until_received(frame(0, Command::kPing, "sshuttle-rtt")));
    f.mux->send_rtt_probe();  // one is in flight: no second PING
    f.peer->write(frame(0, Command::kPong, "rttest"));  // somebody else's
    f.io.poll();
    CHECK(!f.mux->last_rtt());
    f.peer->write(frame(0, Command::kPong, "sshuttle-rtt"));
    REQUIRE(test::run_until(f.io, [&] { return f.mux->last_rtt().has_value(); }));
    CHECK(f.mux->last_rtt()->count() >= 0);
    const std::string ping = frame(0, Command::kPing, "sshuttle-rtt");
    CHECK(f.peer->received.find(ping) == f.peer->received.rfind(ping));  // exactly one was sent

    // Answered: the next probe goes out.
    f.mux->send_rtt_probe();
    CHECK(test::run_until(f.io, [&] { return f.peer->received.find(ping) != f.peer->received.rfind(ping); }));
}

TEST_CASE("path_rtt: the start-up PING's round trip, which includes the peer's start, is followed by a probe") {
    Fixture f;
    REQUIRE(f.run_until_received(frame(0, Command::kPing, "chicken")));
    CHECK(!f.mux->path_rtt());
    f.peer->write(frame(0, Command::kPong, "chicken"));
    // The client probes at once, and knows the path's round trip only from that probe's answer.
    REQUIRE(f.run_until_received(frame(0, Command::kPing, "sshuttle-rtt")));
    CHECK(!f.mux->path_rtt());
    f.peer->write(frame(0, Command::kPong, "sshuttle-rtt"));
    REQUIRE(test::run_until(f.io, [&] { return f.mux->path_rtt().has_value(); }));
    CHECK(*f.mux->path_rtt() >= std::chrono::milliseconds(1));  // the floor window tuning also uses
    CHECK(*f.mux->path_rtt() <= *f.mux->last_rtt() + std::chrono::milliseconds(1));
}

TEST_CASE("TcpChannel counts the bytes it moves each way into the shared counters") {
    Fixture f;
    // A connected TCP pair on loopback: `app` is the application, `proxied` the channel's socket.
    boost::asio::ip::tcp::acceptor acceptor(f.io, {boost::asio::ip::address_v4::loopback(), 0});
    boost::asio::ip::tcp::socket app(f.io);
    app.connect(acceptor.local_endpoint());
    boost::asio::ip::tcp::socket proxied = acceptor.accept();

    auto traffic = std::make_shared<ChannelTraffic>();
    auto channel = TcpChannel::create(f.mux, 7, std::move(proxied));
    channel->count_traffic(traffic);
    channel->start();

    boost::asio::write(app, boost::asio::buffer(std::string(3000, 'u')));
    REQUIRE(test::run_until(f.io, [&] { return traffic->from_socket == 3000; }));
    CHECK(traffic->to_socket == 0);

    f.peer->write(frame(7, Command::kTcpData, std::string(1234, 'd')));
    REQUIRE(test::run_until(f.io, [&] { return traffic->to_socket == 1234; }));
    CHECK(traffic->from_socket == 3000);
}
