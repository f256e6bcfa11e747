// SPDX-License-Identifier: LGPL-2.1-or-later
// SocketReader on a real socketpair: one recv() serves many small reads in order, the peer's close shows only
// after the bytes before it, and a quiet period trusts an EAGAIN until it ends or the socket is seen readable.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "socket_reader.hpp"

using sshuttle::plugins::transport_ssh::SocketReader;

namespace {

struct SocketPair {
    int ours = -1;
    int peer = -1;
    SocketPair() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        ours = fds[0];
        peer = fds[1];
    }
    ~SocketPair() {
        ::close(ours);
        if (peer >= 0) ::close(peer);
    }
    void send(const std::string& bytes) const {
        REQUIRE(::write(peer, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
};

std::string read_some(SocketReader& reader, size_t len) {
    std::string buf(len, '\0');
    ssize_t n = reader.read(buf.data(), len);
    REQUIRE(n > 0);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

}  // namespace

TEST_CASE("socket reader: small reads are served in order from one recv, then EAGAIN") {
    SocketPair s;
    SocketReader reader(s.ours);
    char byte;
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    std::string sent;
    for (int i = 0; i < 4000; ++i) sent += std::to_string(i) + ",";
    s.send(sent);
    std::string got = read_some(reader, 7);
    // Everything the kernel had is now ours: the socket itself is empty, the reader is not.
    CHECK(reader.has_buffered());
    CHECK(::recv(s.ours, &byte, 1, MSG_DONTWAIT | MSG_PEEK) == -1);
    while (got.size() < sent.size()) got += read_some(reader, 1000);
    CHECK(got == sent);
    CHECK_FALSE(reader.has_buffered());
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    CHECK(reader.read(&byte, 0) == 0);
}

TEST_CASE("socket reader: the peer's close shows only after the bytes it sent before") {
    SocketPair s;
    SocketReader reader(s.ours);
    s.send("last words");
    ::close(s.peer);
    s.peer = -1;
    CHECK(read_some(reader, 4) == "last");
    CHECK(read_some(reader, 100) == " words");
    char byte;
    CHECK(reader.read(&byte, 1) == 0);
}

TEST_CASE("socket reader: a socket error comes back as -errno") {
    SocketReader reader(-1);
    char byte;
    CHECK(reader.read(&byte, 1) == -EBADF);
}

TEST_CASE("socket reader: during a quiet period an EAGAIN is trusted until the socket is seen readable") {
    SocketPair s;
    SocketReader reader(s.ours);
    reader.set_quiet_period(std::chrono::hours(1));
    char byte;
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    s.send("x");
    CHECK(reader.read(&byte, 1) == -EAGAIN);  // not asked again: the earlier EAGAIN still holds
    reader.note_readable();
    CHECK(read_some(reader, 1) == "x");
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    reader.note_readable();
    // One recv() takes both bytes; the second comes from the reader's buffer.
    s.send("yz");
    CHECK(read_some(reader, 1) == "y");
    CHECK(read_some(reader, 1) == "z");
}

TEST_CASE("socket reader: a quiet period ends by itself, and a zero period asks the kernel every time") {
    SocketPair s;
    SocketReader reader(s.ours);
    reader.set_quiet_period(std::chrono::milliseconds(1));
    char byte;
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    s.send("a");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(read_some(reader, 1) == "a");
    reader.set_quiet_period(std::chrono::microseconds(0));
    CHECK(reader.read(&byte, 1) == -EAGAIN);
    s.send("b");
    CHECK(read_some(reader, 1) == "b");
}
