// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "app/dns_listeners.hpp"

using namespace sshuttle;

namespace {

net::Endpoint endpoint(const std::string& text) {
    net::Endpoint ep;
    REQUIRE(net::IpAddress::parse(text, ep.address));
    return ep;
}

/// A UDP socket holding 127.0.0.1:port, or -1 when something else has it.
int hold_udp(uint16_t port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int socket_type(int fd) {
    int type = 0;
    socklen_t len = sizeof type;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
    return type;
}

}  // namespace

TEST_CASE("dns listeners: UDP on every address on one port, searched from 12300 down, skipping the TCP port") {
    // Another process (or test) may hold ports in the range: the result is only checked against the rules.
    const std::vector<net::Endpoint> addresses{endpoint("127.0.0.1"), endpoint("::1")};
    int called = 0;
    auto listeners = app::bind_dns_listeners(addresses, 12300, [&](int, net::Family) { ++called; });
    REQUIRE(listeners.size() == 2);
    CHECK(called == 2);
    const uint16_t port = listeners[0].address.port;
    CHECK(port < 12300);
    CHECK(port >= 9001);
    CHECK(listeners[1].address.port == port);
    CHECK(listeners[0].address.address == addresses[0].address);
    CHECK(listeners[1].address.address == addresses[1].address);
    for (const auto& l : listeners) {
        CHECK(socket_type(l.fd) == SOCK_DGRAM);
        CHECK((fcntl(l.fd, F_GETFL) & O_NONBLOCK) != 0);
        CHECK((fcntl(l.fd, F_GETFD) & FD_CLOEXEC) != 0);
    }

    // That port is now taken on 127.0.0.1: a second search must move further down.
    auto second = app::bind_dns_listeners({endpoint("127.0.0.1")}, 0, {});
    REQUIRE(second.size() == 1);
    CHECK(second[0].address.port != port);
    for (const auto& l : listeners) close(l.fd);
    for (const auto& l : second) close(l.fd);
}

TEST_CASE("dns listeners: a port held by someone else is skipped") {
    auto first = app::bind_dns_listeners({endpoint("127.0.0.1")}, 0, {});
    REQUIRE(first.size() == 1);
    const uint16_t port = first[0].address.port;
    close(first[0].fd);
    const int held = hold_udp(port);  // now another socket has the port the search would pick
    REQUIRE(held >= 0);
    auto listeners = app::bind_dns_listeners({endpoint("127.0.0.1")}, 0, {});
    REQUIRE(listeners.size() == 1);
    CHECK(listeners[0].address.port != port);
    close(listeners[0].fd);
    close(held);
}
