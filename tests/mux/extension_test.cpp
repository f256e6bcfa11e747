// SPDX-License-Identifier: LGPL-2.1-or-later
// The mux extension: its frames round-trip and reject garbage, the receive window grants and grows as
// documented, the negotiation stays invisible to an upstream-like peer, and between two of our muxes a
// connection whose reader is stuck is held back by its own window while another moves many MiB.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "mux/extension.hpp"
#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "mux/receive_window.hpp"
#include "mux/tcp_channel.hpp"
#include "support/socket_stream.hpp"

using namespace sshuttle;
using namespace sshuttle::mux;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::string frame(uint16_t channel, uint16_t cmd, std::string_view payload = {}) {
    std::vector<uint8_t> out;
    append_frame(out, channel, static_cast<Command>(cmd), text_bytes(payload));
    return {out.begin(), out.end()};
}

std::string frame(uint16_t channel, Command cmd, std::string_view payload = {}) {
    return frame(channel, static_cast<uint16_t>(cmd), payload);
}

std::string window_frame(uint16_t channel, uint32_t increment) {
    const auto payload = encode_window(increment);
    return frame(channel, kWindowCommand, as_text(payload));
}

std::vector<FrameView> decode_all(FrameDecoder& decoder, const std::string& bytes) {
    decoder.feed(text_bytes(bytes));
    std::vector<FrameView> frames;
    while (auto view = decoder.next()) frames.push_back(*view);
    return frames;
}

std::pair<tcp::socket, int> tcp_pair(boost::asio::io_context& io, bool small_buffers) {
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    tcp::socket ours(io);
    ours.open(tcp::v4());
    if (small_buffers) ours.set_option(boost::asio::socket_base::send_buffer_size(4096));
    ours.connect(acceptor.local_endpoint());
    tcp::socket app(io);
    acceptor.accept(app);
    if (small_buffers) app.set_option(boost::asio::socket_base::receive_buffer_size(4096));
    return {std::move(ours), app.release()};
}


/// Like test::run_until, for conditions another thread changes: wakes every few ms to look again.
bool run_until_threads(boost::asio::io_context& io, const std::function<bool()>& pred) {
    while (!pred()) {
        io.run_one_for(std::chrono::milliseconds(5));
        if (io.stopped()) io.restart();
    }
    return true;
}

}  // namespace

TEST_CASE("extension: hello and WINDOW round-trip") {
    const auto hello = encode_hello({kExtensionVersion, 262144});
    CHECK(hello == "SSHUTTLE-CPP-EXT/1 window=262144");
    const auto parsed = parse_hello(text_bytes(hello));
    REQUIRE(parsed);
    CHECK(parsed->version == 1);
    CHECK(parsed->initial_window == 262144);
    for (uint32_t increment : {1u, 2048u, 0x010203u, kMaxWindow}) {
        const auto bytes = encode_window(increment);
        CHECK(bytes.size() == 4);
        CHECK(parse_window(bytes) == increment);
    }
    CHECK(encode_window(0x01020304) == std::vector<uint8_t>{1, 2, 3, 4});
}

TEST_CASE("extension: garbage is rejected") {
    for (std::string_view bad :
         {"chicken", "rttest", "", "SSHUTTLE-CPP-EXT/", "SSHUTTLE-CPP-EXT/1", "SSHUTTLE-CPP-EXT/2 window=262144",
          "SSHUTTLE-CPP-EXT/1 window=", "SSHUTTLE-CPP-EXT/1 window=2047", "SSHUTTLE-CPP-EXT/1 window=67108865",
          "SSHUTTLE-CPP-EXT/1 window=0262144", "SSHUTTLE-CPP-EXT/1 window=+262144", "SSHUTTLE-CPP-EXT/1 window=262144 ",
          "SSHUTTLE-CPP-EXT/01 window=262144", "SSHUTTLE-CPP-EXT/1 window=99999999999999999999",
          "sshuttle-cpp-ext/1 window=262144"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_hello(text_bytes(bad)));
    }
    CHECK_FALSE(parse_window(std::vector<uint8_t>{}));
    CHECK_FALSE(parse_window(std::vector<uint8_t>{0, 0, 1}));
    CHECK_FALSE(parse_window(std::vector<uint8_t>{0, 0, 0, 0}));
    CHECK_FALSE(parse_window(std::vector<uint8_t>{0, 0, 0, 1, 0}));
    CHECK_FALSE(parse_window(encode_window(kMaxWindow + 1)));
}

TEST_CASE("receive window: grants what the socket took, once a quarter is free, and never more") {
    const auto t0 = ReceiveWindow::Clock::now();
    ReceiveWindow window(1000, 1000, t0);
    CHECK(window.on_received(1000));
    CHECK_FALSE(window.on_received(1));  // over the grant
    CHECK(window.overrun() == 1);
    CHECK(window.on_delivered(100, t0, 1s) == 0);  // less than a quarter free
    CHECK(window.on_delivered(150, t0, 1s) == 250);
    CHECK(window.on_delivered(751, t0, 1s) == 751);
    CHECK(window.window() == 1000);  // the cap
}

TEST_CASE("receive window: grows when the socket takes a window within two round trips, not when it is slow") {
    const auto t0 = ReceiveWindow::Clock::now();
    ReceiveWindow fast(1000, 8000, t0);
    fast.on_received(1000);
    CHECK(fast.on_delivered(1000, t0 + 10ms, 100ms) == 2000);  // doubled: grants the new room at once
    CHECK(fast.window() == 2000);
    ReceiveWindow slow(1000, 8000, t0);
    slow.on_received(1000);
    CHECK(slow.on_delivered(1000, t0 + 500ms, 100ms) == 1000);
    CHECK(slow.window() == 1000);
    ReceiveWindow capped(1000, 1500, t0);
    capped.on_received(1000);
    capped.on_delivered(1000, t0, 100ms);
    CHECK(capped.window() == 1500);
}

TEST_CASE("extension: against an upstream-like server the client sends no WINDOW") {
    boost::asio::io_context io;
    auto [ours, theirs] = test::make_socketpair();
    MuxOptions options;
    auto mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
    test::RawPeer peer(io, theirs);
    mux->start();
    peer.write(std::string(kSyncHeader) + frame(0, Command::kPing, "chicken") + frame(0, Command::kRoutes));
    REQUIRE(test::run_until(io, [&] { return peer.received.find(frame(0, Command::kPong, "chicken")) != std::string::npos; }));
    CHECK_FALSE(mux->extension_active());
    auto [socket, app] = tcp_pair(io, false);
    const auto channel = mux->allocate_channel();
    TcpChannel::create(mux, channel, std::move(socket))->start();
    mux->send(channel, Command::kTcpConnect, text_bytes("2,192.0.2.1,80"));
    ::send(app, "hello", 5, 0);
    const auto expected = frame(channel, Command::kTcpConnect, "2,192.0.2.1,80") + frame(channel, Command::kTcpData, "hello");
    REQUIRE(test::run_until(io, [&] { return peer.received.find(expected) != std::string::npos; }));
    FrameDecoder decoder;
    for (const auto& view : decode_all(decoder, peer.received)) CHECK(view.command != kWindowCommand);
    CHECK(mux->send_allowance(channel) == SIZE_MAX);
    mux->close("done");
    ::close(app);
}

TEST_CASE("extension: our client answers the server's hello with a grant behind each TCP_CONNECT") {
    boost::asio::io_context io;
    auto [ours, theirs] = test::make_socketpair();
    MuxOptions options;
    auto mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
    test::RawPeer peer(io, theirs);
    mux->start();
    const auto hello = encode_hello({kExtensionVersion, 4096});
    peer.write(std::string(kSyncHeader) + frame(0, Command::kPing, hello));
    REQUIRE(test::run_until(io, [&] { return peer.received.find(frame(0, Command::kPong, hello)) != std::string::npos; }));
    CHECK(mux->extension_active());
    auto [socket, app] = tcp_pair(io, false);
    TcpChannel::create(mux, 3, std::move(socket))->start();
    mux->send(3, Command::kTcpConnect, text_bytes("2,192.0.2.1,80"));
    const std::string upload(10000, 'u');
    ::send(app, upload.data(), upload.size(), 0);
    // Exactly the 4096 bytes the hello allowed, then nothing until a grant comes.
    const auto opening = frame(3, Command::kTcpConnect, "2,192.0.2.1,80") + window_frame(3, options.initial_window) +
                         frame(3, Command::kTcpData, upload.substr(0, 4096));
    REQUIRE(test::run_until(io, [&] { return peer.received.find(opening) != std::string::npos; }));
    CHECK(mux->send_allowance(3) == 0);
    peer.write(window_frame(3, 6000));
    const auto rest = frame(3, Command::kTcpData, upload.substr(4096));
    REQUIRE(test::run_until(io, [&] { return peer.received.find(rest) != std::string::npos; }));
    CHECK(mux->send_allowance(3) == 96);
    // A malformed WINDOW is a protocol error that names what was wrong.
    std::optional<std::string> reason;
    mux->on_closed = [&](const std::string& why, bool) { reason = why; };
    peer.write(frame(3, kWindowCommand, "xy"));
    REQUIRE(test::run_until(io, [&] { return reason.has_value(); }));
    CHECK(*reason == "protocol error: bad WINDOW frame on channel 3 (2 bytes of payload)");
    ::close(app);
}

TEST_CASE("extension: our server keeps upstream's behaviour for a client that sends no grant") {
    boost::asio::io_context io;
    auto [ours, theirs] = test::make_socketpair();
    MuxOptions options;
    options.is_server = true;
    auto mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
    test::RawPeer peer(io, theirs);
    std::shared_ptr<TcpChannel> channel;
    int app = -1;
    mux->on_open = [&](uint16_t id, Command, std::span<const uint8_t>) {
        auto [socket, app_fd] = tcp_pair(io, false);
        app = app_fd;
        channel = TcpChannel::create(mux, id, std::move(socket));
        channel->start();
    };
    mux->start();
    const auto hello = encode_hello({kExtensionVersion, options.initial_window});
    REQUIRE(test::run_until(io, [&] { return peer.received.find(frame(0, Command::kPing, hello)) != std::string::npos; }));
    peer.write(frame(0, Command::kPong, hello) + frame(1, Command::kTcpConnect, "2,192.0.2.1,80") +
               frame(1, Command::kTcpData, "x"));
    REQUIRE(test::run_until(io, [&] { return app >= 0; }));
    // The destination sends more than any window: an upstream client gets it all, no WINDOW involved.
    const std::string download(1u << 20, 'd');
    std::thread writer([&] { ::send(app, download.data(), download.size(), 0); });
    FrameDecoder decoder;
    std::size_t fed = kSyncHeader.size();  // the decoder takes frames only
    std::size_t bytes = 0;
    REQUIRE(test::run_until(io, [&] {
        // Decodes only what is new: the received string grows by a megabyte.
        for (const auto& view : decode_all(decoder, peer.received.substr(fed))) {
            if (view.channel == 1 && view.command == static_cast<uint16_t>(Command::kTcpData)) bytes += view.payload.size();
        }
        fed = peer.received.size();
        return bytes == download.size();
    }));
    writer.join();
    CHECK(mux->send_allowance(1) == SIZE_MAX);
    mux->close("done");
    ::close(app);
}

TEST_CASE("extension: between our ends a stuck reader is held by its window while another connection moves 20 MiB") {
    boost::asio::io_context io;
    auto [client_fd, server_fd] = test::make_socketpair();
    MuxOptions client_options;
    client_options.stuck_timeout = 1ms;  // windowed channels are never reset for being stuck
    MuxOptions server_options = client_options;
    server_options.is_server = true;
    auto client = Mux::create(io, std::make_unique<test::SocketStream>(io, client_fd), client_options);
    auto server = Mux::create(io, std::make_unique<test::SocketStream>(io, server_fd), server_options);
    std::vector<int> destinations;  // the server's far ends, by channel
    server->on_open = [&](uint16_t id, Command, std::span<const uint8_t>) {
        auto [socket, app] = tcp_pair(io, false);
        destinations.resize(std::max<std::size_t>(destinations.size(), id + 1u), -1);
        destinations[id] = app;
        TcpChannel::create(server, id, std::move(socket))->start();
    };
    bool routes = false;
    client->on_routes = [&](std::span<const uint8_t>) { routes = true; };
    server->start();
    client->start();
    server->send(0, Command::kRoutes, {});
    REQUIRE(test::run_until(io, [&] { return routes; }));
    REQUIRE(client->extension_active());

    auto [stuck_socket, stuck_app] = tcp_pair(io, true);
    auto [bulk_socket, bulk_app] = tcp_pair(io, false);
    TcpChannel::create(client, 1, std::move(stuck_socket))->start();
    client->send(1, Command::kTcpConnect, text_bytes("2,192.0.2.1,80"));
    TcpChannel::create(client, 2, std::move(bulk_socket))->start();
    client->send(2, Command::kTcpConnect, text_bytes("2,192.0.2.1,81"));
    REQUIRE(test::run_until(io, [&] { return destinations.size() == 3; }));

    const std::size_t bulk_bytes = 20u << 20;
    std::atomic<std::size_t> received{0};
    std::thread reader([&] {
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(bulk_app, buffer, sizeof buffer);
            if (n <= 0) return;
            received += static_cast<std::size_t>(n);
        }
    });
    // The stuck connection's destination sends until its socket buffer is full: never all of it.
    const int stuck_destination = destinations[1];
    std::thread stuck_writer([&] {
        const std::string chunk(65536, 's');
        while (::send(stuck_destination, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
        }
    });
    std::thread bulk_writer([&] {
        const std::string chunk(65536, 'b');
        for (std::size_t sent = 0; sent < bulk_bytes; sent += chunk.size()) ::send(destinations[2], chunk.data(), chunk.size(), 0);
    });
    REQUIRE(run_until_threads(io, [&] { return received == bulk_bytes; }));
    const auto stuck_flow = client->flow(1);
    REQUIRE(stuck_flow);
    CHECK(stuck_flow->windowed);
    CHECK(stuck_flow->backlog <= client_options.initial_window);  // held back by its own window
    CHECK(client->is_attached(1));                                 // and not reset
    CHECK(server->send_allowance(1) < client_options.initial_window);

    bulk_writer.join();
    ::shutdown(bulk_app, SHUT_RDWR);
    ::shutdown(stuck_destination, SHUT_RDWR);
    stuck_writer.join();
    reader.join();
    client->close("done");
    server->close("done");
    for (int fd : {stuck_app, bulk_app, destinations[1], destinations[2]}) ::close(fd);
}
