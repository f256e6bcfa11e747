// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's HOST_LIST as the client reads it: only strict names with an address get through, and only
// when the client asked for hosts (-H).
#include "client/host_list.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

#include "client/engine.hpp"
#include "stream/byte_stream.hpp"
#include "stream/fd_stream.hpp"

using namespace sshuttle;

namespace {

std::vector<std::string> names(const std::vector<client::LearntHost>& hosts) {
    std::vector<std::string> out;
    for (const auto& h : hosts) out.push_back(h.name + "=" + h.ip.to_string());
    return out;
}

}  // namespace

TEST_CASE("host list: valid lines, split across frames") {
    client::HostListReader reader;
    CHECK(names(reader.feed("web,203.0.113.10\nsi")).size() == 1);
    CHECK(names(reader.feed("x,2001:db8::6\n")) == std::vector<std::string>{"six=2001:db8::6"});
    CHECK(reader.refused() == 0);
}

TEST_CASE("host list: a space, an escape sequence, localhost in any case, a bad address: dropped") {
    client::HostListReader reader;
    const auto got = reader.feed(
        "two words,192.0.2.1\n\x1b[2Jesc,192.0.2.1\nLocalHost,192.0.2.1\nname,not-an-ip\nnocomma\nok,192.0.2.7\n");
    CHECK(names(got) == std::vector<std::string>{"ok=192.0.2.7"});
    CHECK(reader.refused() == 5);
}

TEST_CASE("host list: a partial line is bounded; the line after it still counts") {
    client::HostListReader reader;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 100; ++i) CHECK(reader.feed(chunk).empty());  // 100 KB without a newline
    CHECK(reader.refused() == 1);
    CHECK(names(reader.feed("still-long\nafter,192.0.2.8\n")) == std::vector<std::string>{"after=192.0.2.8"});
}

namespace {

std::string frame(uint16_t cmd, const std::string& payload) {
    std::string out = "SS";
    for (uint16_t v : {uint16_t{0}, cmd, static_cast<uint16_t>(payload.size())}) {
        out += static_cast<char>(v >> 8);
        out += static_cast<char>(v & 0xff);
    }
    return out + payload;
}

/// A client engine fed by a scripted server: sync header, ROUTES, one HOST_LIST, then EOF (which on_closed
/// reports after every frame before it was handled). Returns the lines on_host got.
std::vector<std::string> hosts_seen(bool request_hosts) {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    boost::asio::io_context io;
    client::ClientEngine engine(io, stream::make_fd_stream(io, fds[0], "scripted server"), client::EngineOptions{});
    std::vector<std::string> hosts;
    bool closed = false;
    engine.on_host = [&](const std::string& line) { hosts.push_back(line); };
    engine.on_closed = [&](const std::string&) {
        closed = true;
        io.stop();
    };
    engine.start();
    if (request_hosts) engine.request_hosts({});
    const std::string script = std::string("\0\0SSHUTTLE0001", 14) + frame(0x4207, "") +
                               frame(0x4209, "web,192.0.2.1\ntwo words,192.0.2.2\n");
    REQUIRE(write(fds[1], script.data(), script.size()) == static_cast<ssize_t>(script.size()));
    shutdown(fds[1], SHUT_WR);
    io.run();
    close(fds[1]);
    CHECK(closed);
    return hosts;
}

}  // namespace

TEST_CASE("client engine: a host list the client did not ask for (no -H) is ignored") {
    CHECK(hosts_seen(false).empty());
}

TEST_CASE("client engine: with -H only the valid names reach on_host") {
    CHECK(hosts_seen(true) == std::vector<std::string>{"web,192.0.2.1"});
}
