// SPDX-License-Identifier: LGPL-2.1-or-later
// Forwarded TCP connections (tcp_forward.hpp) on a ChannelPump, against a scripted SSH channel and a real socket
// pair for the application's connection: bytes both ways in order, each side's EOF passed on after the last
// byte, the application's bytes after the remote's EOF still carried, a refusal that leaves the connection
// untouched, a broken channel reported, opens in order, and a session failure that ends every forward.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channel_pump.hpp"
#include "sshuttle/plugin_sdk.hpp"

using namespace sshuttle;
using namespace sshuttle::plugins::transport_ssh;

namespace {

std::string pattern(size_t n, char first) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + (i * 7 + i / 251) % 26);
    return s;
}

// The session as the pump sees it, with nothing of its own to carry: its socket (one end of a socket pair) is
// where the forwards' scripted channels say "something new", as a real peer's packet makes the TCP socket
// readable.
class QuietSession final : public PumpedChannel {
   public:
    QuietSession() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        fd_ = fds[0];
        signal_fd_ = fds[1];
    }
    ~QuietSession() override {
        ::close(fd_);
        if (signal_fd_ >= 0) ::close(signal_fd_);
    }
    void signal() {
        char one = 1;
        REQUIRE(::write(signal_fd_, &one, 1) == 1);
    }
    void drain() {
        char sink[64];
        while (::read(fd_, sink, sizeof sink) > 0) {
        }
    }
    std::mutex failure_mutex;
    std::string failure;  // set: the next read fails the whole session

    long channel_read(void*, size_t) override {
        drain();
        std::lock_guard lock(failure_mutex);
        if (!failure.empty()) throw sdk::Error(SSHUTTLE_ESYSTEM, failure);
        return 0;
    }
    long channel_write(const void*, size_t len) override { return static_cast<long>(len); }
    bool channel_send_eof() override { return true; }
    void channel_tick() override {}
    int channel_fd() const override { return fd_; }
    unsigned channel_wants() const override { return SSHUTTLE_WANT_READ; }

   private:
    int fd_ = -1;
    int signal_fd_ = -1;
};

// One forward's SSH channel, scripted by the test (any thread) and used by the pump thread through a
// ScriptedForwardChannel; shared, so that the test can look at it after the pump has deleted the forward.
class ForwardScript {
   public:
    explicit ForwardScript(QuietSession& session) : session_(session) {}

    // ---- driven by the test
    void deliver(const std::string& bytes) { change([&] { inbound_ += bytes; }); }
    void remote_eof() { change([&] { eof_ = true; }); }
    void refuse(const std::string& why) { change([&] { refusal_ = why; }); }
    void break_writes(const std::string& why) { change([&] { broken_ = why; }); }
    void hold_open() { change([&] { hold_open_ = true; }); }
    void let_open() { change([&] { hold_open_ = false; }); }
    std::string written() {
        std::lock_guard lock(mutex_);
        return written_;
    }
    size_t written_at_eof() {
        std::lock_guard lock(mutex_);
        return written_at_eof_;
    }
    int eofs() {
        std::lock_guard lock(mutex_);
        return eofs_;
    }
    int closes() {
        std::lock_guard lock(mutex_);
        return closes_;
    }
    int open_calls() {
        std::lock_guard lock(mutex_);
        return open_calls_;
    }

    // ---- the channel's calls, on the pump thread
    bool open() {
        std::lock_guard lock(mutex_);
        ++open_calls_;
        if (!refusal_.empty()) throw ForwardChannel::Broken(refusal_);
        return !hold_open_;
    }
    long read(void* buf, size_t len) {
        std::lock_guard lock(mutex_);
        if (!inbound_.empty()) {
            size_t n = std::min({len, inbound_.size(), size_t{1000}});  // packet-sized pieces: the pump loops
            inbound_.copy(static_cast<char*>(buf), n);
            inbound_.erase(0, n);
            return static_cast<long>(n);
        }
        return eof_ ? ForwardChannel::kEndOfStream : 0;
    }
    long write(const void* buf, size_t len) {
        std::lock_guard lock(mutex_);
        if (!broken_.empty()) throw ForwardChannel::Broken(broken_);
        if (++writes_ % 3 == 0) return 0;  // a full window now and then
        size_t n = std::min(len, size_t{700});
        written_.append(static_cast<const char*>(buf), n);
        return static_cast<long>(n);
    }
    bool send_eof() {
        std::lock_guard lock(mutex_);
        if (eofs_++ == 0) written_at_eof_ = written_.size();
        return true;
    }
    bool close() {
        std::lock_guard lock(mutex_);
        ++closes_;
        return true;
    }

   private:
    template <typename Change>
    void change(Change&& what) {
        {
            std::lock_guard lock(mutex_);
            what();
        }
        session_.signal();
    }

    QuietSession& session_;
    std::mutex mutex_;
    std::string inbound_;
    bool eof_ = false;
    std::string refusal_;
    std::string broken_;
    bool hold_open_ = false;
    std::string written_;
    int writes_ = 0;
    int eofs_ = 0;
    size_t written_at_eof_ = 0;
    int closes_ = 0;
    int open_calls_ = 0;
};

class ScriptedForwardChannel final : public ForwardChannel {
   public:
    explicit ScriptedForwardChannel(std::shared_ptr<ForwardScript> script) : script_(std::move(script)) {}
    bool open() override { return script_->open(); }
    long read(void* buf, size_t len) override { return script_->read(buf, len); }
    long write(const void* buf, size_t len) override { return script_->write(buf, len); }
    bool send_eof() override { return script_->send_eof(); }
    bool close() override { return script_->close(); }

   private:
    std::shared_ptr<ForwardScript> script_;
};

// What the forwards reported, through the C callbacks as the host receives them.
struct Reports {
    struct Entry {
        bool opened = false;
        int open_status = 1;  // not reported yet
        std::string open_message;
        bool ended = false;
        std::string end_message;  // empty: a normal end
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::map<uint64_t, Entry> by_id;
    std::vector<uint64_t> open_order;

    sshuttle_forward_callbacks callbacks() {
        sshuttle_forward_callbacks c{};
        c.struct_size = sizeof c;
        c.context = this;
        c.opened = [](void* context, uint64_t id, int status, const char* message) {
            auto* self = static_cast<Reports*>(context);
            std::lock_guard lock(self->mutex);
            Entry& e = self->by_id[id];
            CHECK_FALSE(e.opened);  // exactly once
            e.opened = true;
            e.open_status = status;
            e.open_message = message != nullptr ? message : "";
            self->open_order.push_back(id);
            self->changed.notify_all();
        };
        c.ended = [](void* context, uint64_t id, const char* message) {
            auto* self = static_cast<Reports*>(context);
            std::lock_guard lock(self->mutex);
            Entry& e = self->by_id[id];
            CHECK(e.opened);
            CHECK_FALSE(e.ended);
            e.ended = true;
            e.end_message = message != nullptr ? message : "";
            self->changed.notify_all();
        };
        return c;
    }
    sdk::ForwardReport report() {
        const sshuttle_forward_callbacks c = callbacks();
        return sdk::ForwardReport(&c);
    }
    template <typename Predicate>
    Entry wait(uint64_t id, Predicate done) {
        std::unique_lock lock(mutex);
        REQUIRE(changed.wait_for(lock, std::chrono::seconds(20), [&] { return done(by_id[id]); }));
        return by_id[id];
    }
};

// The application's connection: `app` is its side, `host` the accepted socket the client hands over.
struct Connection {
    int app = -1;
    int host = -1;
    Connection() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        app = fds[0];
        host = fds[1];
    }
    ~Connection() {
        ::close(app);
        ::close(host);
    }
    int duplicate() const { return ::dup(host); }
};

void write_all(int fd, const std::string& bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
        if (n > 0) {
            at += static_cast<size_t>(n);
            continue;
        }
        REQUIRE(errno == EAGAIN);
        pollfd p{fd, POLLOUT, 0};
        REQUIRE(::poll(&p, 1, 10000) == 1);
    }
}

// Reads until EOF (true) or the peer's reset (false).
bool read_to_eof(int fd, std::string& out) {
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return true;
        if (errno != EAGAIN) return false;
        pollfd p{fd, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 10000) == 1);
    }
}

template <typename Predicate>
void eventually(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

constexpr size_t kRing = 16 * 1024;  // small, so that both rings fill and drain many times

// A forward for `conn` whose channel follows `script`.
std::unique_ptr<TcpForward> forward_of(uint64_t id, const Connection& conn,
                                       const std::shared_ptr<ForwardScript>& script, Reports& reports) {
    return std::make_unique<TcpForward>(id, conn.duplicate(), std::make_unique<ScriptedForwardChannel>(script),
                                        reports.report(), kRing);
}

}  // namespace

TEST_CASE("forward: bytes both ways in order, each EOF after the last byte, then a normal end") {
    QuietSession session;
    Reports reports;
    Connection conn;
    auto channel = std::make_shared<ForwardScript>(session);
    {
        ChannelPump pump(session);
        pump.add_forward(forward_of(7, conn, channel, reports));
        CHECK(reports.wait(7, [](const auto& e) { return e.opened; }).open_status == SSHUTTLE_OK);

        const std::string up = pattern(1024 * 1024, 'a');
        const std::string down = pattern(1536 * 1024, 'A');
        std::thread remote([&] {
            channel->deliver(down);
            channel->remote_eof();
        });
        std::thread sender([&] {
            write_all(conn.app, up);
            ::shutdown(conn.app, SHUT_WR);
        });
        std::string got;
        CHECK(read_to_eof(conn.app, got));  // the remote's EOF reaches the application after its last byte
        sender.join();
        remote.join();
        CHECK(got.size() == down.size());
        CHECK(got == down);
        const auto end = reports.wait(7, [](const auto& e) { return e.ended; });
        CHECK(end.end_message.empty());
        CHECK(channel->written() == up);
        CHECK(channel->eofs() == 1);
        CHECK(channel->written_at_eof() == up.size());
        CHECK(channel->closes() == 1);
        eventually([&] { return pump.forward_count() == 0; });  // it goes after the pass that ended it
    }
    // The host's own descriptor stayed open and usable; the forward closed only its duplicate.
    CHECK(::fcntl(conn.host, F_GETFD) >= 0);
}

TEST_CASE("forward: what the application sends after the remote's EOF is still carried (half-close)") {
    QuietSession session;
    Reports reports;
    Connection conn;
    auto channel = std::make_shared<ForwardScript>(session);
    ChannelPump pump(session);
    pump.add_forward(forward_of(1, conn, channel, reports));
    channel->deliver("bye");
    channel->remote_eof();
    std::string got;
    CHECK(read_to_eof(conn.app, got));
    CHECK(got == "bye");
    write_all(conn.app, "still here");
    ::shutdown(conn.app, SHUT_WR);
    reports.wait(1, [](const auto& e) { return e.ended; });
    CHECK(channel->written() == "still here");
    CHECK(channel->eofs() == 1);
}

TEST_CASE("forward: a refused channel leaves the connection untouched for the host; opens go in order") {
    QuietSession session;
    Reports reports;
    Connection first;
    Connection second;
    auto refused = std::make_shared<ForwardScript>(session);
    auto held = std::make_shared<ForwardScript>(session);
    refused->refuse("administratively prohibited");
    held->hold_open();
    write_all(first.app, "GET / HTTP/1.0\r\n\r\n");  // sent before the forward was asked for
    ChannelPump pump(session);
    // The held one is first in line: the one behind it is not asked until it is through.
    pump.add_forward(forward_of(1, second, held, reports));
    pump.add_forward(forward_of(2, first, refused, reports));
    eventually([&] { return held->open_calls() >= 2; });
    CHECK(refused->open_calls() == 0);
    held->let_open();
    const auto refusal = reports.wait(2, [](const auto& e) { return e.opened; });
    CHECK(refusal.open_status == SSHUTTLE_EUNSUPPORTED);
    CHECK(refusal.open_message == "administratively prohibited");
    CHECK(reports.open_order == std::vector<uint64_t>{1, 2});
    // Every byte the application sent is still there for whoever carries it next.
    char buf[64] = {};
    CHECK(::read(first.host, buf, sizeof buf) == 18);
    CHECK(std::string(buf, 18) == "GET / HTTP/1.0\r\n\r\n");
    eventually([&] { return pump.forward_count() == 1; });
}

TEST_CASE("forward: a broken channel ends the forward with why; the other forwards go on") {
    QuietSession session;
    Reports reports;
    Connection broken_conn;
    Connection fine_conn;
    auto broken = std::make_shared<ForwardScript>(session);
    auto fine = std::make_shared<ForwardScript>(session);
    ChannelPump pump(session);
    pump.add_forward(forward_of(1, broken_conn, broken, reports));
    pump.add_forward(forward_of(2, fine_conn, fine, reports));
    reports.wait(2, [](const auto& e) { return e.opened; });
    broken->break_writes("channel closed by the remote");
    write_all(broken_conn.app, "x");
    const auto end = reports.wait(1, [](const auto& e) { return e.ended; });
    CHECK(end.end_message == "channel closed by the remote");
    CHECK(broken->closes() == 1);
    fine->deliver("still going");
    char buf[32] = {};
    pollfd p{fine_conn.app, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    CHECK(::read(fine_conn.app, buf, sizeof buf) == 11);
}

TEST_CASE("forward: a failed session ends every forward, and a forward added later is failed at once") {
    QuietSession session;
    Reports reports;
    Connection open_conn;
    Connection late_conn;
    auto channel = std::make_shared<ForwardScript>(session);
    ChannelPump pump(session);
    pump.add_forward(forward_of(1, open_conn, channel, reports));
    reports.wait(1, [](const auto& e) { return e.opened; });
    {
        std::lock_guard lock(session.failure_mutex);
        session.failure = "connection to example lost";
    }
    session.signal();
    const auto end = reports.wait(1, [](const auto& e) { return e.ended; });
    CHECK(end.end_message == "connection to example lost");
    // The pump has stopped: the next forward is reported as not opened, on this thread, at once.
    pump.add_forward(forward_of(2, late_conn, std::make_shared<ForwardScript>(session), reports));
    const auto late = reports.wait(2, [](const auto& e) { return e.opened; });
    CHECK(late.open_status != SSHUTTLE_OK);
    CHECK(pump.forward_count() == 0);
}
