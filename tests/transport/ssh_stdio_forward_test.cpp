// SPDX-License-Identifier: LGPL-2.1-or-later
// SshStdioForward against a stand-in for ssh's connection-sharing master (a thread speaking the few messages of
// PROTOCOL.mux and taking the two descriptors as ssh does): what the application sees when the master refuses,
// when the remote ends its side, and when the master dies. The real ssh is in tests/e2e/test_ssh_forwarding.sh.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "receive_descriptor.hpp"
#include "scratch.hpp"
#include "transport/ssh_mux_messages.hpp"
#include "transport/ssh_stdio_forward.hpp"

using sshuttle::transport::SshStdioForward;
namespace sshmux = sshuttle::transport::sshmux;

namespace {

// A connected loopback TCP pair: `captured` is what the firewall hands the client, `app` the application's end.
struct TcpPair {
    int app = -1;
    int captured = -1;
    TcpPair() {
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 1) == 0);
        REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        app = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(::connect(app, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        captured = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        REQUIRE(captured >= 0);
        ::close(listener);
        timeval five{5, 0};
        ::setsockopt(app, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    }
    ~TcpPair() {
        if (app >= 0) ::close(app);
    }
};

bool read_exact(int fd, void* out, std::size_t length) {
    auto* p = static_cast<uint8_t*>(out);
    while (length > 0) {
        const ssize_t n = ::read(fd, p, length);
        if (n <= 0) return false;
        p += n;
        length -= static_cast<std::size_t>(n);
    }
    return true;
}

void write_all(int fd, const std::vector<uint8_t>& bytes) { REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())); }

std::vector<uint8_t> answer(uint32_t type, uint32_t request_id, std::optional<std::string> reason) {
    std::vector<uint8_t> body;
    const auto put = [&](uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<uint8_t>(v >> shift));
    };
    put(type);
    put(request_id);
    if (reason) {
        put(static_cast<uint32_t>(reason->size()));
        body.insert(body.end(), reason->begin(), reason->end());
    } else {
        put(42);  // session id
    }
    std::vector<uint8_t> out;
    const auto size = static_cast<uint32_t>(body.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(size >> shift));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// The master's side of one control connection, up to its answer; keeps what it got.
class StandInMaster {
   public:
    enum class Answer { kOpen, kRefuse };

    StandInMaster(const std::string& path, Answer reply) : path_(path) {
        listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener_, 4) == 0);
        thread_ = std::thread([this, reply] { serve(reply); });
    }
    ~StandInMaster() {
        thread_.join();
        for (int fd : {control_, input_, output_, listener_})
            if (fd >= 0) ::close(fd);
    }

    void wait_served() {
        while (!served_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // ssh at the remote's EOF: only its output is closed.
    void close_output() { ::close(std::exchange(output_, -1)); }
    // The channel gone: the master closes the control connection.
    void close_control() { ::close(std::exchange(control_, -1)); }
    // ssh exiting: every descriptor, the listener first (it is its oldest).
    void die() {
        ::close(std::exchange(listener_, -1));
        close_control();
        ::close(std::exchange(input_, -1));
        close_output();
    }
    // ssh exiting as seen in CI: its descriptors close in number order, and reused low numbers may put the
    // channel's before the control connection; here the loop runs in between.
    void die_channel_first(boost::asio::io_context& io) {
        ::close(std::exchange(listener_, -1));
        ::close(std::exchange(input_, -1));
        close_output();
        io.restart();
        io.run_for(std::chrono::milliseconds(50));
        close_control();
    }
    int output() const { return output_; }
    const std::string& request_host() const { return host_; }
    uint32_t request_port() const { return port_; }

   private:
    void serve(Answer reply) {
        control_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        write_all(control_, sshmux::hello_message());
        for (int i = 0; i < 2; ++i) {  // our hello, then the request
            uint8_t length_bytes[4];
            REQUIRE(read_exact(control_, length_bytes, 4));
            const uint32_t length = (uint32_t{length_bytes[0]} << 24) | (uint32_t{length_bytes[1]} << 16) |
                                    (uint32_t{length_bytes[2]} << 8) | length_bytes[3];
            std::vector<uint8_t> body(length);
            REQUIRE(read_exact(control_, body.data(), length));
            if (i == 1) {
                request_id_ = (uint32_t{body[4]} << 24) | (uint32_t{body[5]} << 16) | (uint32_t{body[6]} << 8) | body[7];
                // type, id, reserved string (empty: 4 bytes), host string, port
                const uint32_t host_length = (uint32_t{body[12]} << 24) | (uint32_t{body[13]} << 16) |
                                             (uint32_t{body[14]} << 8) | body[15];
                host_.assign(body.begin() + 16, body.begin() + 16 + host_length);
                const std::size_t at = 16 + host_length;
                port_ = (uint32_t{body[at]} << 24) | (uint32_t{body[at + 1]} << 16) | (uint32_t{body[at + 2]} << 8) |
                        body[at + 3];
            }
        }
        input_ = receive_descriptor(control_);
        output_ = receive_descriptor(control_);
        if (reply == Answer::kRefuse) {
            ::close(std::exchange(input_, -1));
            ::close(std::exchange(output_, -1));
            write_all(control_, answer(sshmux::kFailure, request_id_, std::string("Session open refused by peer")));
        } else {
            write_all(control_, answer(sshmux::kSessionOpened, request_id_, std::nullopt));
        }
        served_ = true;
    }

    std::string path_;
    int listener_ = -1;
    int control_ = -1;
    int input_ = -1;
    int output_ = -1;
    uint32_t request_id_ = 0;
    std::string host_;
    uint32_t port_ = 0;
    std::atomic<bool> served_{false};
    std::thread thread_;
};

struct Outcome {
    std::optional<SshStdioForward::Refusal> refusal;
    int returned_fd = -1;
    bool ended = false;
};

void run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    REQUIRE(done());
}

sshuttle::net::Endpoint destination() {
    sshuttle::net::Endpoint target;
    REQUIRE(sshuttle::net::IpAddress::parse("2001:db8::7", target.address));
    target.port = 8080;
    return target;
}

// One captured connection handed to a stand-in master (or to a socket nobody listens on), up to the answer.
struct Handoff {
    sshuttle::test::ScratchDir dir;
    TcpPair pair;
    boost::asio::io_context io;
    std::optional<StandInMaster> master;
    Outcome out;
    std::shared_ptr<SshStdioForward> forward;

    // `early`: what the application sends before the handoff starts.
    explicit Handoff(std::optional<StandInMaster::Answer> answer, const std::string& early = "") {
        if (!early.empty()) REQUIRE(::write(pair.app, early.data(), early.size()) == static_cast<ssize_t>(early.size()));
        if (answer) master.emplace(dir / "master", *answer);
        forward = SshStdioForward::start(
            io, dir / "master", pair.captured, destination(),
            [this](SshStdioForward::Refusal refusal, const std::string&, int returned) {
                out.refusal = refusal;
                out.returned_fd = returned;
            },
            [this] { out.ended = true; });
        run_until(io, [&] { return out.refusal.has_value(); });
        if (master) master->wait_served();  // its thread has written all it keeps
    }
};

}  // namespace

TEST_CASE("a refused forward gives the socket back untouched") {
    Handoff h(StandInMaster::Answer::kRefuse, "early");  // sent before the refusal: still there for the mux
    CHECK(*h.out.refusal == SshStdioForward::Refusal::kByServer);
    CHECK(h.master->request_host() == "2001:db8::7");
    CHECK(h.master->request_port() == 8080);
    REQUIRE(h.out.returned_fd == h.pair.captured);
    char got[5];
    REQUIRE(read_exact(h.out.returned_fd, got, 5));
    CHECK(std::string(got, 5) == "early");
    CHECK_FALSE(h.out.ended);
    ::close(h.out.returned_fd);
}

TEST_CASE("no master: the socket comes back at once") {
    Handoff h(std::nullopt);
    CHECK(*h.out.refusal == SshStdioForward::Refusal::kNoMaster);
    CHECK(h.out.returned_fd == h.pair.captured);
    ::close(h.out.returned_fd);
}

// ssh is given the socket itself as its input and its output, and closes only its own copies: the application's
// EOF comes from us, once the master closes the control connection (the channel is gone).
TEST_CASE("the remote's bytes reach the application, then its EOF when the channel ends; its side stays open") {
    Handoff h(StandInMaster::Answer::kOpen);
    REQUIRE(*h.out.refusal == SshStdioForward::Refusal::kNone);
    auto traffic = std::make_shared<sshuttle::mux::ChannelTraffic>();
    h.forward->count_traffic(traffic);
    REQUIRE(::write(h.pair.app, "upload", 6) == 6);  // ssh's to read; the kernel counts what the socket got
    write_all(h.master->output(), {'r', 'e', 'p', 'l', 'y'});  // ssh writes the remote's bytes into the socket
    char got[5];
    REQUIRE(read_exact(h.pair.app, got, 5));
    CHECK(std::string(got, 5) == "reply");
    run_until(h.io, [&] {
        h.forward->refresh_traffic();
        return traffic->from_socket == 6 && traffic->to_socket == 5;
    });
    h.master->close_output();  // the remote's EOF: ssh drops its own copy, ours keeps the socket open
    CHECK_FALSE(h.out.ended);
    h.master->close_control();  // the channel is gone
    run_until(h.io, [&] { return h.out.ended; });
    CHECK(::read(h.pair.app, got, 1) == 0);  // the EOF
    CHECK(::write(h.pair.app, "more", 4) == 4);  // the application's side is still open
    CHECK(traffic->to_socket == 5);
    CHECK(traffic->from_socket == 6);
}

// After a master's death the application reads the bytes ssh had written ("part"), then a reset.
void check_part_then_reset(int app) {
    char got[4];
    REQUIRE(read_exact(app, got, 4));
    CHECK(std::string(got, 4) == "part");
    errno = 0;
    CHECK(::read(app, got, 1) < 0);
    CHECK(errno == ECONNRESET);
}

TEST_CASE("a master that dies resets the application's connection, after the bytes it had") {
    Handoff h(StandInMaster::Answer::kOpen);
    REQUIRE(*h.out.refusal == SshStdioForward::Refusal::kNone);
    write_all(h.master->output(), {'p', 'a', 'r', 't'});
    h.master->die();
    run_until(h.io, [&] { return h.out.ended; });
    check_part_then_reset(h.pair.app);
}

TEST_CASE("a master whose channel descriptors close before its control connection still means a reset") {
    Handoff h(StandInMaster::Answer::kOpen);
    REQUIRE(*h.out.refusal == SshStdioForward::Refusal::kNone);
    write_all(h.master->output(), {'p', 'a', 'r', 't'});
    h.master->die_channel_first(h.io);
    CHECK_FALSE(h.out.ended);  // the channel's end alone tells nothing yet
    run_until(h.io, [&] { return h.out.ended; });
    check_part_then_reset(h.pair.app);
}

TEST_CASE("a control socket of another user is not given the connection") {
    if (::geteuid() == 0) {
        // Root: the foreign master is a child that became nobody, listening in a directory anyone may write (as a
        // ControlPath in /tmp would be).
        sshuttle::test::ScratchDir dir;
        REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
        const std::string path = dir / "master";
        const pid_t child = ::fork();
        if (child == 0) {
            // Only async-signal-safe calls after fork().
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
            const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
            if (::bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(s, 1) != 0)
                ::_exit(4);
            const int c = ::accept(s, nullptr, nullptr);
            char buffer[256];
            while (c >= 0 && ::read(c, buffer, sizeof buffer) > 0) {
            }
            ::_exit(0);
        }
        struct stat st{};
        for (int i = 0; i < 500 && ::stat(path.c_str(), &st) != 0; ++i) ::usleep(10000);
        TcpPair pair;
        boost::asio::io_context io;
        Outcome out;
        std::string why;
        auto forward = SshStdioForward::start(
            io, path, pair.captured, destination(),
            [&](SshStdioForward::Refusal refusal, const std::string& reason, int returned) {
                out.refusal = refusal;
                out.returned_fd = returned;
                why = reason;
            },
            [&out] { out.ended = true; });
        run_until(io, [&] { return out.refusal.has_value(); });
        CHECK(*out.refusal == SshStdioForward::Refusal::kNoMaster);
        CHECK(why.find("belongs to uid 65534") != std::string::npos);
        CHECK(out.returned_fd == pair.captured);
        ::close(out.returned_fd);
        forward.reset();
        io.restart();
        io.poll();  // the control connection closes: the child's read ends
        int status = 0;
        ::waitpid(child, &status, 0);
        CHECK(WEXITSTATUS(status) == 0);
        return;
    }
    // Not root: no other user to be; the uid check still runs against our own master in the cases above.
    Handoff h(StandInMaster::Answer::kOpen);
    CHECK(*h.out.refusal == SshStdioForward::Refusal::kNone);
}
