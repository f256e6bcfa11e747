// SPDX-License-Identifier: LGPL-2.1-or-later
// sd_notify against a datagram socket of our own, as systemd would listen on NOTIFY_SOCKET.
#include "util/sd_notify.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "temp_dir.hpp"

namespace {

class NotifyListener {
   public:
    explicit NotifyListener(const std::string& path) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        setenv("NOTIFY_SOCKET", path.c_str(), 1);
    }
    ~NotifyListener() {
        unsetenv("NOTIFY_SOCKET");
        close(fd_);
    }
    NotifyListener(const NotifyListener&) = delete;
    NotifyListener& operator=(const NotifyListener&) = delete;

    /// The next datagram; "" when none is queued.
    std::string take() {
        char buf[512];
        ssize_t got = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        return got > 0 ? std::string(buf, static_cast<std::size_t>(got)) : std::string();
    }

   private:
    int fd_ = -1;
};

}  // namespace

TEST_CASE("sd_notify: READY with STATUS, STATUS, STOPPING reach NOTIFY_SOCKET") {
    TempDir dir;
    NotifyListener listener(dir.path() + "/notify");
    CHECK(sshuttle::util::notify_socket_set());
    sshuttle::util::notify_ready("Connected to host\nwith a newline");
    CHECK(listener.take() == "READY=1\nSTATUS=Connected to host with a newline");
    sshuttle::util::notify_status("3 open connections");
    CHECK(listener.take() == "STATUS=3 open connections");
    sshuttle::util::notify_stopping();
    CHECK(listener.take() == "STOPPING=1\nSTATUS=Stopping");
    CHECK(listener.take().empty());
}

TEST_CASE("sd_notify: without NOTIFY_SOCKET nothing is sent and the ticker does not run") {
    unsetenv("NOTIFY_SOCKET");
    CHECK_FALSE(sshuttle::util::notify_socket_set());
    sshuttle::util::notify_ready("x");  // must not fail
    boost::asio::io_context io;
    int calls = 0;
    sshuttle::util::StatusTicker ticker(io, [&] {
        ++calls;
        return std::string("x");
    });
    ticker.start();
    CHECK(io.poll() == 0);
    CHECK(calls == 0);
}

TEST_CASE("sd_notify: the status ticker sends only changed texts") {
    TempDir dir;
    NotifyListener listener(dir.path() + "/notify");
    boost::asio::io_context io;
    std::string current = "Connected, 0 open connections";
    sshuttle::util::StatusTicker ticker(io, [&] { return current; }, std::chrono::milliseconds(1));
    ticker.start();
    REQUIRE(io.run_one() == 1);  // one tick: unchanged
    CHECK(listener.take().empty());
    current = "Connected, 2 open connections";
    REQUIRE(io.run_one() == 1);
    CHECK(listener.take() == "STATUS=Connected, 2 open connections");
    REQUIRE(io.run_one() == 1);
    CHECK(listener.take().empty());
    ticker.stop();
    io.run();  // the cancelled wait completes and nothing is re-armed
    CHECK(listener.take().empty());
}
