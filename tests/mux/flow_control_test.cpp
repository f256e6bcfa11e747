// SPDX-License-Identifier: LGPL-2.1-or-later
// One stuck receiver stalls only itself: TcpChannels on real loopback TCP sockets behind a Mux, against an
// upstream-like raw peer (no windows: bounded backlog, reset after the stuck time-out or past the hard cap)
// and against our own mux (windows hold the stuck connection back). Every wait is for an event.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "mux/extension.hpp"
#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "mux/tcp_channel.hpp"
#include "support/socket_stream.hpp"

using namespace sshuttle;
using namespace sshuttle::mux;
using boost::asio::ip::tcp;

namespace {

constexpr std::size_t kMiB = 1u << 20;

std::string frame(uint16_t channel, Command cmd, std::string_view payload = {}) {
    std::vector<uint8_t> out;
    append_frame(out, channel, cmd, text_bytes(payload));
    return {out.begin(), out.end()};
}

/// bytes of TCP_DATA for channel in full frames.
std::string data_frames(uint16_t channel, std::size_t bytes) {
    std::string out;
    const std::string chunk(kMaxPayload, 'd');
    while (bytes > 0) {
        const std::size_t n = std::min(bytes, chunk.size());
        out += frame(channel, Command::kTcpData, std::string_view(chunk).substr(0, n));
        bytes -= n;
    }
    return out;
}

/// A connected loopback TCP pair: the asio socket goes to a TcpChannel, the fd plays the application.
/// Small buffers on both so that a socket that does not read stops taking bytes soon.
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

/// Writes bytes to fd from its own thread (the mux under test runs in this one).
class Feeder {
   public:
    Feeder(int fd, std::string bytes)
        : thread_([fd, bytes = std::move(bytes)] {
              std::size_t done = 0;
              while (done < bytes.size()) {
                  const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
                  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                      // The fd shares its file with an asio socket, which made it non-blocking.
                      pollfd want{fd, POLLOUT, 0};
                      ::poll(&want, 1, -1);
                      continue;
                  }
                  if (n <= 0) return;
                  done += static_cast<std::size_t>(n);
              }
          }) {}
    ~Feeder() { thread_.join(); }

   private:
    std::thread thread_;
};

/// Reads fd to EOF (or an error) in its own thread, counting bytes.
class Drainer {
   public:
    explicit Drainer(int fd)
        : thread_([this, fd] {
              char buffer[65536];
              for (;;) {
                  const ssize_t n = ::read(fd, buffer, sizeof buffer);
                  if (n <= 0) break;
                  bytes += static_cast<std::size_t>(n);
              }
              done = true;
          }) {}
    ~Drainer() { thread_.join(); }
    std::atomic<std::size_t> bytes{0};
    std::atomic<bool> done{false};

   private:
    std::thread thread_;
};

struct UpstreamPeerFixture {
    boost::asio::io_context io;
    std::shared_ptr<Mux> mux;
    int peer_fd = -1;
    std::unique_ptr<test::RawPeer> peer;

    explicit UpstreamPeerFixture(std::chrono::milliseconds stuck_timeout) {
        auto [ours, theirs] = test::make_socketpair();
        MuxOptions options;
        options.expect_sync_header = false;
        options.stuck_timeout = stuck_timeout;
        mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
        peer_fd = ::dup(theirs);
        peer = std::make_unique<test::RawPeer>(io, theirs);
        mux->start();
    }
    ~UpstreamPeerFixture() { ::close(peer_fd); }
    bool received(const std::string& bytes) {
        return test::run_until(io, [&] { return peer->received.find(bytes) != std::string::npos; });
    }
};


/// Like test::run_until, for conditions another thread changes: wakes every few ms to look again.
bool run_until_threads(boost::asio::io_context& io, const std::function<bool()>& pred) {
    while (!pred()) {
        io.run_one_for(std::chrono::milliseconds(5));
        if (io.stopped()) io.restart();
    }
    return true;
}

}  // namespace

TEST_CASE("flow: without windows a stuck socket is reset after the time-out while others flow and PINGs are answered") {
    UpstreamPeerFixture f(std::chrono::milliseconds(300));
    auto [stuck_socket, stuck_app] = tcp_pair(f.io, true);
    auto [bulk_socket, bulk_app] = tcp_pair(f.io, false);
    TcpChannel::create(f.mux, 1, std::move(stuck_socket))->start();
    TcpChannel::create(f.mux, 2, std::move(bulk_socket))->start();
    Drainer drainer(bulk_app);
    const std::size_t bulk_bytes = 20 * kMiB;
    // Over the stuck channel's bound (1 MiB) but under its hard cap: only the time-out may reset it.
    Feeder feeder(f.peer_fd, data_frames(1, 3 * kMiB) + data_frames(2, bulk_bytes) + frame(0, Command::kPing, "p1"));
    REQUIRE(f.received(frame(0, Command::kPong, "p1")));
    REQUIRE(run_until_threads(f.io, [&] { return drainer.bytes == bulk_bytes; }));
    // The event waited for is the reset itself (EOF + STOP_SENDING), however long the time-out takes.
    REQUIRE(f.received(frame(1, Command::kTcpEof) + frame(1, Command::kTcpStopSending)));
    CHECK_FALSE(f.mux->is_attached(1));
    CHECK(run_until_threads(f.io, [&] { return f.mux->receive_backlog() == 0; }));
    char byte;
    CHECK(::recv(stuck_app, &byte, 1, MSG_DONTWAIT) >= 0);  // buffered bytes may come first...
    int error = 0;
    for (;;) {
        const ssize_t n = ::recv(stuck_app, &byte, 1, 0);
        if (n <= 0) {
            error = n < 0 ? errno : 0;
            break;
        }
    }
    CHECK(error == ECONNRESET);  // ...then the RST, not a clean end
    ::shutdown(bulk_app, SHUT_RDWR);
    ::close(stuck_app);
    f.peer->write(frame(0, Command::kPing, "p2"));
    CHECK(f.received(frame(0, Command::kPong, "p2")));
    f.mux->close("done");
}

TEST_CASE("flow: without windows a channel past its hard cap is reset after the grace and the transport keeps moving") {
    UpstreamPeerFixture f(std::chrono::hours(1));  // the time-out plays no part here
    auto [stuck_socket, stuck_app] = tcp_pair(f.io, true);
    auto [bulk_socket, bulk_app] = tcp_pair(f.io, false);
    TcpChannel::create(f.mux, 1, std::move(stuck_socket))->start();
    TcpChannel::create(f.mux, 2, std::move(bulk_socket))->start();
    Drainer drainer(bulk_app);
    const std::size_t bulk_bytes = 20 * kMiB;
    // Far more than the total receive budget (8 MiB) for a socket that never reads: before, the mux stopped
    // reading the transport here and channel 2 and the PING froze with it.
    Feeder feeder(f.peer_fd, data_frames(1, 24 * kMiB) + frame(0, Command::kPing, "p1") + data_frames(2, bulk_bytes));
    REQUIRE(f.received(frame(1, Command::kTcpEof) + frame(1, Command::kTcpStopSending)));
    REQUIRE(f.received(frame(0, Command::kPong, "p1")));
    REQUIRE(run_until_threads(f.io, [&] { return drainer.bytes == bulk_bytes; }));
    // The application may read the last bytes before the write's completion handler has run and released
    // them from the backlog: wait for that handler too.
    CHECK(run_until_threads(f.io, [&] { return f.mux->receive_backlog() == 0; }));
    ::shutdown(bulk_app, SHUT_RDWR);
    ::close(stuck_app);
    f.mux->close("done");
}

TEST_CASE("flow: PONGs for a peer that does not read stay bounded") {
    boost::asio::io_context io;
    auto [ours, theirs] = test::make_socketpair();
    const int small = 4096;
    ::setsockopt(ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    MuxOptions options;
    options.is_server = true;
    auto mux = Mux::create(io, std::make_unique<test::SocketStream>(io, ours), options);
    mux->start();
    auto recorder_frames = std::make_shared<int>(0);
    struct Counter : ChannelEndpoint {
        std::shared_ptr<int> count;
        void on_frame(Command, std::span<const uint8_t>) override { ++*count; }
        void on_mux_closed() override {}
    };
    auto counter = std::make_shared<Counter>();
    counter->count = recorder_frames;
    mux->attach(7, counter);
    std::string pings;
    for (int i = 0; i < 2000; ++i) pings += frame(0, Command::kPing, std::string(1000, 'p'));
    Feeder feeder(theirs, pings + frame(7, Command::kTcpEof));
    // The marker frame comes after every PING: once it arrived, each PING was handled.
    REQUIRE(test::run_until(io, [&] { return *recorder_frames == 1; }));
    // 2 MB of PONGs would be queued without the bound; with it, far less than the mux's total bound.
    CHECK(mux->can_send(8));
    mux->close("done");
    ::close(theirs);
}
