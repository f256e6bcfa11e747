// SPDX-License-Identifier: LGPL-2.1-or-later
// A socket bound to an address and connected only afterwards keeps what other senders sent it in between; the
// reader gives each of those datagrams back with its real sender.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "client/caught_datagrams.hpp"

using boost::asio::ip::udp;
using sshuttle::client::read_caught_datagrams;

namespace {

// A UDP socket on 127.0.0.1 with a port of its own.
int bound_socket(udp::endpoint& where) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    udp::endpoint any(boost::asio::ip::make_address("127.0.0.1"), 0);
    REQUIRE(::bind(fd, any.data(), static_cast<socklen_t>(any.size())) == 0);
    socklen_t len = static_cast<socklen_t>(where.capacity());
    REQUIRE(::getsockname(fd, where.data(), &len) == 0);
    where.resize(len);
    return fd;
}

void send_to(int fd, const udp::endpoint& to, const std::string& text) {
    REQUIRE(::sendto(fd, text.data(), text.size(), 0, to.data(), static_cast<socklen_t>(to.size())) ==
            static_cast<ssize_t>(text.size()));
}

}  // namespace

TEST_CASE("caught datagrams: what arrived before connect() comes back with each sender") {
    udp::endpoint reply_at, app_at, other_at;
    int reply = bound_socket(reply_at);
    int app = bound_socket(app_at);
    int other = bound_socket(other_at);
    send_to(other, reply_at, "for another flow");
    send_to(app, reply_at, "from the application");
    // Connected now: from here on only the application reaches it, but the two above are queued already.
    REQUIRE(::connect(reply, app_at.data(), static_cast<socklen_t>(app_at.size())) == 0);

    std::vector<uint8_t> buffer(65536);
    std::vector<std::pair<udp::endpoint, std::string>> got;
    int n = read_caught_datagrams(reply, buffer, [&](const udp::endpoint& sender, std::span<const uint8_t> data) {
        got.emplace_back(sender, std::string(data.begin(), data.end()));
        return true;
    });
    CHECK(n == 2);
    REQUIRE(got.size() == 2);
    CHECK(got[0].first == other_at);
    CHECK(got[0].second == "for another flow");
    CHECK(got[1].first == app_at);
    CHECK(got[1].second == "from the application");
    for (int fd : {reply, app, other}) ::close(fd);
}

TEST_CASE("caught datagrams: one larger than the buffer is dropped whole, and the limit is kept") {
    udp::endpoint reply_at, app_at;
    int reply = bound_socket(reply_at);
    int app = bound_socket(app_at);
    send_to(app, reply_at, std::string(100, 'x'));
    send_to(app, reply_at, "ok");
    send_to(app, reply_at, "left for the next turn");
    std::vector<uint8_t> buffer(10);
    std::vector<std::string> got;
    int n = read_caught_datagrams(
        reply, buffer,
        [&](const udp::endpoint&, std::span<const uint8_t> data) {
            got.emplace_back(data.begin(), data.end());
            return true;
        },
        2);
    CHECK(n == 2);
    CHECK(got == std::vector<std::string>{"ok"});
    buffer.resize(100);
    got.clear();
    CHECK(read_caught_datagrams(reply, buffer, [&](const udp::endpoint&, std::span<const uint8_t> data) {
              got.emplace_back(data.begin(), data.end());
              return true;
          }) == 1);
    CHECK(got == std::vector<std::string>{"left for the next turn"});
    for (int fd : {reply, app}) ::close(fd);
}

TEST_CASE("caught datagrams: the handler can stop the reading") {
    udp::endpoint reply_at, app_at;
    int reply = bound_socket(reply_at);
    int app = bound_socket(app_at);
    send_to(app, reply_at, "one");
    send_to(app, reply_at, "two");
    std::vector<uint8_t> buffer(100);
    int calls = 0;
    CHECK(read_caught_datagrams(reply, buffer, [&](const udp::endpoint&, std::span<const uint8_t>) {
              ++calls;
              return false;
          }) == 1);
    CHECK(calls == 1);
    for (int fd : {reply, app}) ::close(fd);
}
