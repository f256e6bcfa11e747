// SPDX-License-Identifier: LGPL-2.1-or-later
// ChannelPump against a scripted channel: bytes in both directions in order, the end of the stream only after
// the bytes before it, EOF after the last byte, a failure reported on the host's side, and the socket's
// readiness passed on to a channel that trusts an earlier "nothing there".
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

#include "channel_pump.hpp"
#include "sshuttle/plugin_sdk.hpp"

using namespace sshuttle;
using namespace sshuttle::plugins::transport_ssh;

namespace {

// The remote side as the pump sees it. Its socket is one end of a socketpair: the test writes a byte to the
// other end to say "something new", the way a real peer's packet makes the TCP socket readable.
class ScriptedChannel final : public PumpedChannel {
   public:
    ScriptedChannel() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        fd_ = fds[0];
        signal_fd_ = fds[1];
    }
    // Another channel of `session`'s SSH session: the same socket says "something new" for both.
    explicit ScriptedChannel(ScriptedChannel& session) : fd_(session.fd_), signal_fd_(session.signal_fd_), owns_(false) {}
    ~ScriptedChannel() override {
        if (!owns_) return;
        ::close(fd_);
        if (signal_fd_ >= 0) ::close(signal_fd_);
    }

    // ---- driven by the test
    void deliver(const std::string& bytes) { change([&] { inbound_ += bytes; }); }
    void end_stream(const std::string& why) { change([&] { end_ = why; }); }
    void fail(const std::string& why) { change([&] { failure_ = why; }); }
    std::string written() {
        std::lock_guard lock(mutex_);
        return written_;
    }
    int eofs_sent() {
        std::lock_guard lock(mutex_);
        return eofs_;
    }
    // How many bytes had been written when the (first) EOF was sent.
    size_t written_at_eof() {
        std::lock_guard lock(mutex_);
        return written_at_eof_;
    }

    // The peer goes away: the channel's socket reports POLLHUP from now on (nothing may be delivered after).
    void hang_up() {
        ::close(signal_fd_);
        signal_fd_ = -1;
    }
    // Like the libssh2 channel with its SocketReader in a quiet period: once a read found nothing, reads keep
    // finding nothing, without looking at the socket, until the pump says the socket is readable.
    void trust_nothing_until_readable() {
        std::lock_guard lock(mutex_);
        quiet_ = true;
    }
    // An SSH window that never closes and a socket that takes everything: no write would block.
    void never_block_writes() {
        std::lock_guard lock(mutex_);
        never_block_ = true;
    }
    // How many bytes had been written when the first inbound byte was read (npos: none read yet).
    size_t written_at_first_read() {
        std::lock_guard lock(mutex_);
        return written_at_first_read_;
    }

    // ---- PumpedChannel, on the pump thread
    long channel_read(void* buf, size_t len) override {
        std::lock_guard lock(mutex_);
        if (quiet_ && !readable_) return 0;
        char sink[64];
        while (::read(fd_, sink, sizeof sink) > 0) {
        }
        if (!failure_.empty()) throw sdk::Error(SSHUTTLE_ESYSTEM, failure_);
        if (!inbound_.empty()) {
            // Small pieces, like SSH packets, so the pump has to loop.
            size_t n = std::min({len, inbound_.size(), size_t{1000}});
            if (written_at_first_read_ == std::string::npos) written_at_first_read_ = written_.size();
            inbound_.copy(static_cast<char*>(buf), n);
            inbound_.erase(0, n);
            return static_cast<long>(n);
        }
        if (!end_.empty()) throw sdk::Error(SSHUTTLE_ECLOSED, end_);
        readable_ = false;
        return 0;
    }
    void channel_readable() override {
        std::lock_guard lock(mutex_);
        readable_ = true;
    }
    long channel_write(const void* buf, size_t len) override {
        std::lock_guard lock(mutex_);
        if (!failure_.empty()) throw sdk::Error(SSHUTTLE_ESYSTEM, failure_);
        // Every third call "would block", as a full SSH window does.
        if (!never_block_ && ++writes_ % 3 == 0) return 0;
        size_t n = std::min(len, size_t{700});
        written_.append(static_cast<const char*>(buf), n);
        return static_cast<long>(n);
    }
    bool channel_send_eof() override {
        std::lock_guard lock(mutex_);
        if (eofs_++ == 0) written_at_eof_ = written_.size();
        return true;
    }
    void channel_tick() override {}
    int channel_fd() const override { return fd_; }
    // Wanting to write on a socket that is always writable: a write that would block is retried at once.
    unsigned channel_wants() const override { return SSHUTTLE_WANT_READ | SSHUTTLE_WANT_WRITE; }

   private:
    template <typename Change>
    void change(Change&& what) {
        {
            std::lock_guard lock(mutex_);
            what();
        }
        char one = 1;
        REQUIRE(::write(signal_fd_, &one, 1) == 1);
    }

    std::mutex mutex_;
    int fd_ = -1;
    int signal_fd_ = -1;
    std::string inbound_;
    std::string end_;
    std::string failure_;
    std::string written_;
    int writes_ = 0;
    bool quiet_ = false;
    bool never_block_ = false;
    size_t written_at_first_read_ = std::string::npos;
    bool readable_ = true;
    int eofs_ = 0;
    size_t written_at_eof_ = 0;
    bool owns_ = true;
};

void wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// Reads on the host's side until the pump reports the end; returns the bytes and the end's status and text.
struct Received {
    std::string bytes;
    int status = 0;
    std::string message;
};

template <typename Port>
Received read_to_end(Port& pump) {
    Received r;
    char buf[4096];
    while (true) {
        try {
            long n = pump.read(buf, sizeof buf);
            if (n > 0) {
                r.bytes.append(buf, static_cast<size_t>(n));
                continue;
            }
        } catch (const sdk::Error& e) {
            r.status = e.status();
            r.message = e.what();
            return r;
        }
        wait_readable(pump.host_fd());
    }
}

}  // namespace

TEST_CASE("channel pump: the remote's bytes arrive in order, then the end with the exit status") {
    ScriptedChannel channel;
    ChannelPump pump(channel);
    const std::string sent = pattern(3 * 1024 * 1024);  // many times what the pump's ring holds
    channel.deliver(sent);
    channel.end_stream("exit status 0");
    Received r = read_to_end(pump);
    CHECK(r.bytes.size() == sent.size());
    CHECK(r.bytes == sent);
    CHECK(r.status == SSHUTTLE_ECLOSED);
    CHECK(r.message == "exit status 0");
    CHECK_NOTHROW(pump.check());  // a normal end is not a failure
}

TEST_CASE("channel pump: the host's bytes reach the channel in order, and the EOF only after the last one") {
    ScriptedChannel channel;
    const std::string sent = pattern(2 * 1024 * 1024);
    {
        ChannelPump pump(channel);
        size_t at = 0;
        while (at < sent.size()) {
            long n = pump.write(sent.data() + at, sent.size() - at);
            if (n > 0) {
                at += static_cast<size_t>(n);
                continue;
            }
            CHECK(pump.wants() == SSHUTTLE_WANT_READ);  // whichever call blocked, its fd turns readable
            wait_readable(pump.host_fd());
        }
        pump.shutdown_write();
        // The remote ends its side once it has seen our EOF, as the server does.
        for (int i = 0; i < 1000 && channel.eofs_sent() == 0; ++i) ::usleep(10000);
        REQUIRE(channel.eofs_sent() == 1);
        CHECK(channel.written() == sent);
        CHECK(channel.written_at_eof() == sent.size());
        channel.end_stream("exit status 0");
        CHECK(read_to_end(pump).status == SSHUTTLE_ECLOSED);
    }
    CHECK(channel.eofs_sent() == 1);
}

TEST_CASE("channel pump: what the remote sends is read while an upload keeps the ring full") {
    // An interactive reply (or a window adjust) must not wait for the end of an upload: the pump takes turns
    // between the directions instead of sending for as long as the host keeps refilling its ring.
    ScriptedChannel channel;
    channel.never_block_writes();
    ChannelPump pump(channel);
    const std::string upload = pattern(32 * 1024 * 1024);
    size_t at = 0;
    bool delivered = false;
    while (at < upload.size()) {
        long n = pump.write(upload.data() + at, std::min<size_t>(upload.size() - at, 64 * 1024));
        if (n > 0) {
            at += static_cast<size_t>(n);
        } else {
            wait_readable(pump.host_fd());
        }
        if (!delivered && at >= 1024 * 1024) {
            channel.deliver("reply");  // arrives while the upload is in full swing
            delivered = true;
        }
    }
    pump.shutdown_write();
    for (int i = 0; i < 1000 && channel.eofs_sent() == 0; ++i) ::usleep(10000);
    REQUIRE(channel.eofs_sent() == 1);
    CHECK(channel.written() == upload);
    // Read within a few rings of the upload after it arrived, not after the upload's end.
    CHECK(channel.written_at_first_read() < 8 * ChannelPump::kRingBytes + 1024 * 1024);
    channel.end_stream("exit status 0");
    Received r = read_to_end(pump);
    CHECK(r.bytes == "reply");
}

TEST_CASE("channel pump: a failed channel is reported on the host's side, after the bytes before it") {
    ScriptedChannel channel;
    ChannelPump pump(channel);
    channel.deliver("hello");
    // Read what came first, then break the channel.
    std::string got;
    char buf[16];
    while (got.size() < 5) {
        long n = pump.read(buf, sizeof buf);
        if (n > 0) got.append(buf, static_cast<size_t>(n));
        else wait_readable(pump.host_fd());
    }
    CHECK(got == "hello");
    channel.fail("connection to 192.0.2.2 lost while reading: transport read (Connection reset by peer)");
    Received r = read_to_end(pump);
    CHECK(r.bytes.empty());
    CHECK(r.status == SSHUTTLE_ESYSTEM);
    CHECK(r.message == "connection to 192.0.2.2 lost while reading: transport read (Connection reset by peer)");
    CHECK_THROWS_AS(pump.check(), sdk::Error);
    CHECK_THROWS_AS(pump.write("x", 1), sdk::Error);
}

TEST_CASE("channel pump: destroying it while the channel is busy stops the thread") {
    ScriptedChannel channel;
    {
        ChannelPump pump(channel);
        channel.deliver(pattern(1024 * 1024));  // the host never reads: the pump waits on a full ring
        ::usleep(50000);
    }
    CHECK(channel.eofs_sent() == 0);
}

TEST_CASE("channel pump: a channel that trusts an earlier 'nothing there' is told when its socket is readable") {
    ScriptedChannel channel;
    channel.trust_nothing_until_readable();
    ChannelPump pump(channel);
    // Each delivery comes after the pump found nothing and went to sleep on the socket: it gets through only
    // because poll() saw the socket readable and the pump said so.
    std::string got;
    for (const std::string piece : {"first", "second", "third"}) {
        ::usleep(20000);
        channel.deliver(piece);
        while (got.size() < piece.size() || got.compare(got.size() - piece.size(), piece.size(), piece) != 0) {
            char buf[64];
            long n = pump.read(buf, sizeof buf);
            if (n > 0) got.append(buf, static_cast<size_t>(n));
            else wait_readable(pump.host_fd());
        }
    }
    CHECK(got == "firstsecondthird");
}

// The core waits the way Asio does: edge-triggered epoll on two dup()s of poll_fd, one per direction, and a
// direction is retried only when its own descriptor fires or the other direction just moved bytes. Both
// directions share the pump's one eventfd.
TEST_CASE("channel pump: bulk both ways at once, with edge-triggered waits per direction as the core does") {
    ScriptedChannel channel;
    ChannelPump pump(channel);
    // The download is the shorter one: afterwards the reader still waits (as the mux always does), and the writer
    // goes on only if the pump rings for it.
    const std::string up = pattern(8 * 1024 * 1024);
    const std::string down = pattern(1024 * 1024 + 17);
    channel.deliver(down);
    int fds[2] = {::dup(pump.host_fd()), ::dup(pump.host_fd())};  // [0] reads, [1] writes
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep >= 0);
    for (uint32_t i = 0; i < 2; ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u32 = i;
        REQUIRE(::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) == 0);
    }
    std::string got;
    size_t sent = 0;
    bool waiting[2] = {false, false};
    char buf[20000];
    while (got.size() < down.size() || sent < up.size()) {
        if (!waiting[0]) {
            long n = pump.read(buf, sizeof buf);
            if (n > 0) {
                got.append(buf, static_cast<size_t>(n));
                waiting[1] = false;  // the kick
            } else {
                waiting[0] = true;
            }
        }
        if (!waiting[1] && sent < up.size()) {
            long n = pump.write(up.data() + sent, std::min<size_t>(up.size() - sent, 30000));
            if (n > 0) {
                sent += static_cast<size_t>(n);
                waiting[0] = false;
            } else {
                waiting[1] = true;
            }
        }
        if (waiting[0] && (waiting[1] || sent == up.size())) {
            epoll_event events[2];
            int n = ::epoll_wait(ep, events, 2, 10000);
            REQUIRE_MESSAGE(n > 0, "no wake-up within 10 s: got " << got.size() << ", sent " << sent);
            for (int i = 0; i < n; ++i) waiting[events[i].data.u32] = false;
        }
    }
    CHECK(got == down);
    pump.shutdown_write();
    for (int i = 0; i < 1000 && channel.eofs_sent() == 0; ++i) ::usleep(10000);
    CHECK(channel.written() == up);
    ::close(ep);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("channel pump: a pump with nothing to do does not spin on a socket the peer reset") {
    ScriptedChannel channel;
    ChannelPump pump(channel);
    channel.deliver(pattern(2 * ChannelPump::kRingBytes));  // the host reads nothing: the ring fills up
    ::usleep(100000);
    channel.hang_up();
    ::usleep(50000);
    // poll() reports POLLHUP for such a socket even when asked for no events: polled while idle, it made the
    // pump loop at full speed until the tick's dead-peer check. Idle, the pump uses next to no CPU.
    auto cpu_ms = [] {
        timespec t{};
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
    };
    double before = cpu_ms();
    ::usleep(500000);
    CHECK(cpu_ms() - before < 100);
}

TEST_CASE("channel pump: more channels of one session, each its own stream; jobs on the pump thread; removal") {
    ScriptedChannel first;
    ChannelPump pump(first);
    ScriptedChannel second(first);

    // A job runs on the pump's thread until it says it is done; its error comes back to the caller.
    std::thread::id ran_on;
    int calls = 0;
    pump.run_on_pump([&] {
        ran_on = std::this_thread::get_id();
        return ++calls == 3;
    });
    CHECK(calls == 3);
    CHECK(ran_on != std::this_thread::get_id());
    CHECK_THROWS_WITH_AS(pump.run_on_pump([]() -> bool { throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "refused"); }),
                         "refused", sdk::Error);

    PumpPort& port = pump.add_channel(second);
    CHECK(port.host_fd() != pump.host_fd());
    const std::string upload = pattern(600 * 1024);
    size_t sent = 0;
    while (sent < upload.size()) {
        long n = port.write(upload.data() + sent, upload.size() - sent);
        if (n == 0) wait_readable(port.host_fd());
        sent += static_cast<size_t>(n);
    }
    port.shutdown_write();
    // The upload goes through (EOF after its last byte) before the remote ends: a channel whose remote has
    // ended takes no more bytes.
    for (int i = 0; i < 3000 && second.eofs_sent() == 0; ++i) ::usleep(10000);
    second.deliver(pattern(300 * 1024));
    second.end_stream("exit status 0");
    first.deliver("to the first");
    Received on_second = read_to_end(port);
    CHECK(on_second.bytes == pattern(300 * 1024));
    CHECK(on_second.status == SSHUTTLE_ECLOSED);
    const std::string written = second.written();
    CHECK(written.size() == upload.size());
    const auto first_difference = std::mismatch(written.begin(), written.end(), upload.begin(), upload.end());
    CHECK(first_difference.first - written.begin() == static_cast<std::ptrdiff_t>(written.size()));
    CHECK(first.written().empty());

    pump.remove_channel(port);  // from here on the pump never calls `second`
    char buf[64];
    std::string got;
    while (got.size() < 12) {
        long n = pump.read(buf, sizeof buf);
        if (n > 0) got.append(buf, static_cast<size_t>(n));
        else wait_readable(pump.host_fd());
    }
    CHECK(got == "to the first");
}

TEST_CASE("channel pump: a failure of the session reaches every channel and every later job") {
    ScriptedChannel first;
    ChannelPump pump(first);
    ScriptedChannel second(first);
    PumpPort& port = pump.add_channel(second);
    second.fail("connection lost");
    Received r = read_to_end(port);
    CHECK(r.status == SSHUTTLE_ESYSTEM);
    CHECK(r.message == "connection lost");
    CHECK_THROWS_WITH_AS(pump.check(), "connection lost", sdk::Error);
    CHECK_THROWS_WITH_AS(pump.run_on_pump([] { return true; }), "connection lost", sdk::Error);
    pump.remove_channel(port);  // a stopped pump lets go at once
}
