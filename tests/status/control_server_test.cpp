// SPDX-License-Identifier: LGPL-2.1-or-later
// The control server on a real Unix socket, its io_context on a thread of its own; the test is the client.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstring>
#include <future>
#include <thread>

#include "app/status/control_server.hpp"
#include "app/status/control_socket.hpp"
#include "app/status/status_command.hpp"
#include "../util/temp_dir.hpp"

using namespace sshuttle::app::status;

namespace {

/// A control server on its own thread, answering "status" with a fixed text.
class RunningServer {
   public:
    explicit RunningServer(std::vector<uid_t> allowed, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
        std::string why;
        socket_ = ControlSocket::create_in(temp_.path() + "/s", ::geteuid(), 0700, "9.sock", -1, why);
        REQUIRE_MESSAGE(socket_, why);
        server_ = ControlServer::create(io_, socket_->release_fd(), std::move(allowed),
                                        [] { return std::string(R"({"fake":"status"})"); }, deadline);
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~RunningServer() {
        boost::asio::post(io_, [this] {
            server_->stop();
            io_.stop();
        });
        thread_.join();
    }
    std::string path() const { return socket_->path(); }
    /// Lets anyone reach the socket file (the directories and the socket), to test the peer check alone.
    void open_up() {
        REQUIRE(::chmod(temp_.path().c_str(), 0711) == 0);
        REQUIRE(::chmod((temp_.path() + "/s").c_str(), 0711) == 0);
        REQUIRE(::chmod(socket_->path().c_str(), 0666) == 0);
    }

   private:
    TempDir temp_;
    boost::asio::io_context io_;
    std::optional<ControlSocket> socket_;
    std::shared_ptr<ControlServer> server_;
    std::thread thread_;
};

int connect_to(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{10, 0};  // a safety net against a hang, not an assertion
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

/// Everything the server sends until it closes.
std::string read_all(int fd) {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    return text;
}

std::string read_all_fd(int fd) {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    return text;
}

std::string exchange_raw(const std::string& path, const std::string& bytes) {
    const int fd = connect_to(path);
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string reply = read_all(fd);
    ::close(fd);
    return reply;
}

}  // namespace

TEST_CASE("peer check: root and the allowed uids only") {
    CHECK(peer_allowed(0, {}));
    CHECK(peer_allowed(1000, {1000}));
    CHECK(peer_allowed(1001, {1000, 1001}));
    CHECK(!peer_allowed(1002, {1000, 1001}));
    CHECK(!peer_allowed(65534, {}));
}

TEST_CASE("control server: status and ping are answered, one line each") {
    RunningServer server({::geteuid()});
    std::string error;
    CHECK(ask_control_socket(server.path(), "status", error) == R"({"fake":"status"})");
    CHECK(ask_control_socket(server.path(), "ping", error) == R"({"ok":"pong"})");
    // Without a newline, ended by EOF (printf status | nc -U).
    const int fd = connect_to(server.path());
    ::send(fd, "status", 6, MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    CHECK(read_all(fd) == "{\"fake\":\"status\"}\n");
    ::close(fd);
}

TEST_CASE("control server: garbage, unknown requests and over-long lines get an error, and it keeps serving") {
    RunningServer server({::geteuid()});
    CHECK(exchange_raw(server.path(), std::string("\x16\x03\x01\x02\x00\n", 6)) ==
          "{\"error\":\"request has control or non-ASCII bytes: '\\\\x16\\\\x03\\\\x01\\\\x02\\\\x00'\"}\n");
    CHECK(exchange_raw(server.path(), "shutdown\n") ==
          "{\"error\":\"unknown request 'shutdown' (known: status, ping)\"}\n");
    CHECK(exchange_raw(server.path(), std::string(300, 'x')) ==
          "{\"error\":\"request too long (more than 256 bytes without a newline)\"}\n");
    std::string error;
    CHECK(ask_control_socket(server.path(), "status", error) == R"({"fake":"status"})");
}

TEST_CASE("control server: a silent client is closed at the deadline; others are served meanwhile") {
    RunningServer server({::geteuid()}, std::chrono::milliseconds(300));
    const int silent = connect_to(server.path());
    std::string error;
    CHECK(ask_control_socket(server.path(), "ping", error) == R"({"ok":"pong"})");
    CHECK(read_all(silent).empty());  // returns at EOF: the server closed it
    ::close(silent);
}

TEST_CASE("control server: past kMaxClients at once a client is told it is busy") {
    RunningServer server({::geteuid()});
    std::vector<int> silent;
    for (std::size_t i = 0; i < ControlServer::kMaxClients; ++i) silent.push_back(connect_to(server.path()));
    CHECK(exchange_raw(server.path(), "status\n") ==
          "{\"error\":\"busy: 8 status requests are already being served\"}\n");
    for (const int fd : silent) ::close(fd);
}

TEST_CASE("control server: a peer whose uid is not allowed gets 'permission denied', not the status") {
    if (::geteuid() == 0) {
        // Root is always allowed: the refused peer is a child that became nobody. The file modes are opened
        // up here so that only the peer check (SO_PEERCRED) stands in its way.
        RunningServer server({1234});
        const std::string path = server.path();
        server.open_up();
        int pipe_fds[2];
        REQUIRE(::pipe(pipe_fds) == 0);
        const pid_t child = ::fork();
        if (child == 0) {
            // Only async-signal-safe calls after fork(): the parent has a second thread.
            ::close(pipe_fds[0]);
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
            const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
            if (::connect(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) ::_exit(4);
            (void)!::send(s, "status\n", 7, MSG_NOSIGNAL);
            char buffer[512];
            ssize_t n;
            while ((n = ::recv(s, buffer, sizeof buffer, 0)) > 0) (void)!::write(pipe_fds[1], buffer, n);
            ::_exit(0);
        }
        ::close(pipe_fds[1]);
        const std::string reply = read_all_fd(pipe_fds[0]);
        ::close(pipe_fds[0]);
        int status = 0;
        ::waitpid(child, &status, 0);
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(reply == "{\"error\":\"permission denied for uid 65534\"}\n");
        return;
    }
    // A plain user: the socket is its own, so it connects; the peer check is what refuses it.
    RunningServer server({::geteuid() + 1});
    std::string error;
    CHECK(ask_control_socket(server.path(), "status", error) ==
          "{\"error\":\"permission denied for uid " + std::to_string(::geteuid()) + "\"}");
}
