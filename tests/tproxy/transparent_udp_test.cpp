// SPDX-License-Identifier: LGPL-2.1-or-later
// Transparent UDP with real sockets on loopback: a listener with IP_RECVORIGDSTADDR reports the destination, and
// a reply socket sends from an address that is not ours (192.0.2.77, a documentation address) to a loopback peer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "common/transparent_udp_linux.hpp"

namespace {

sockaddr_in v4(const char* ip, uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    inet_pton(AF_INET, ip, &sin.sin_addr);
    return sin;
}

std::string text(const sockaddr_storage& ss) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(sin->sin_port));
}

/// A bound loopback UDP socket; port gets its port.
int bound_socket(uint16_t& port, bool orig_dst) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    const int one = 1;
    if (orig_dst) REQUIRE(setsockopt(fd, SOL_IP, sshuttle::plugins::kIpOrigDstAddr, &one, sizeof one) == 0);
    sockaddr_in sin = v4("127.0.0.1", 0);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
    socklen_t len = sizeof sin;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
    port = ntohs(sin.sin_port);
    return fd;
}

}  // namespace

TEST_CASE("transparent UDP: a datagram comes with its destination; nothing waiting is not an error") {
    uint16_t port = 0;
    const int listener = bound_socket(port, true);
    char buf[64];
    sockaddr_storage src{}, dst{};
    socklen_t src_len = sizeof src, dst_len = sizeof dst;
    auto read = sshuttle::plugins::recv_with_original_dst(listener, buf, sizeof buf, src, src_len, dst, dst_len);
    CHECK(read.status == sshuttle::plugins::TransparentRead::kNothing);

    uint16_t sender_port = 0;
    const int sender = bound_socket(sender_port, false);
    const sockaddr_in to = v4("127.0.0.1", port);
    REQUIRE(sendto(sender, "hello, tproxy", 13, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 13);
    // A 3-byte buffer: the full size is still reported, so the host can drop a cut datagram.
    do {
        read = sshuttle::plugins::recv_with_original_dst(listener, buf, 3, src, src_len, dst, dst_len);
    } while (read.status == sshuttle::plugins::TransparentRead::kNothing);
    REQUIRE(read.status == sshuttle::plugins::TransparentRead::kDatagram);
    CHECK(read.size == 13);
    CHECK(text(dst) == "127.0.0.1:" + std::to_string(port));
    CHECK(text(src) == "127.0.0.1:" + std::to_string(sender_port));
    close(sender);
    close(listener);
}

TEST_CASE("transparent UDP: a reply leaves from a foreign address, and the socket is connected to the peer") {
    if (geteuid() != 0) {
        MESSAGE("not root: IP_TRANSPARENT needs CAP_NET_ADMIN; only the refusal is checked");
        const sockaddr_in from = v4("192.0.2.77", 53);
        std::string error;
        CHECK(sshuttle::plugins::open_transparent_udp(reinterpret_cast<const sockaddr*>(&from), sizeof from, nullptr,
                                                      0, error) == -1);
        CHECK(error.find("IP_TRANSPARENT") != std::string::npos);
        return;
    }
    uint16_t app_port = 0;
    const int app = bound_socket(app_port, false);
    const sockaddr_in from = v4("192.0.2.77", 53);
    const sockaddr_in to = v4("127.0.0.1", app_port);
    std::string error;
    const int reply = sshuttle::plugins::open_transparent_udp(reinterpret_cast<const sockaddr*>(&from), sizeof from,
                                                              reinterpret_cast<const sockaddr*>(&to), sizeof to, error);
    REQUIRE_MESSAGE(reply >= 0, error);
    REQUIRE(send(reply, "answer", 6, 0) == 6);
    char buf[16] = {};
    sockaddr_storage seen{};
    socklen_t seen_len = sizeof seen;
    REQUIRE(recvfrom(app, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&seen), &seen_len) == 6);
    CHECK(std::string(buf, 6) == "answer");
    CHECK(text(seen) == "192.0.2.77:53");
    // A second flow may share the source address and port (SO_REUSEADDR).
    const int again = sshuttle::plugins::open_transparent_udp(reinterpret_cast<const sockaddr*>(&from), sizeof from,
                                                              nullptr, 0, error);
    CHECK_MESSAGE(again >= 0, error);
    if (again >= 0) close(again);
    close(reply);
    close(app);
}
