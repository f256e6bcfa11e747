// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's UDP flows against the in-process server, on loopback: a stand-in for the tproxy plugin reports
// 127.0.0.2:P as every datagram's original destination (so no root is needed: 127.0.0.2 is ours anyway), the
// server relays to a UDP echo bound there, and the echo comes back to the application from 127.0.0.2:P through
// the flow's socket. Idle flows close after the engine's UDP timeout.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <boost/asio/ip/udp.hpp>

#include <map>
#include <string>
#include <vector>

#include "../dataplane/support/loopback.hpp"
#include "../mux/support/socket_stream.hpp"
#include "client/engine.hpp"
#include "server/server.hpp"
#include "server/stdio_stream.hpp"
#include "stream/fd_stream.hpp"

using namespace sshuttle;
using boost::asio::ip::udp;

namespace {

const auto kDestinationAddress = boost::asio::ip::make_address_v4("127.0.0.2");

/// Echoes every datagram to its sender, bound to 127.0.0.2 with SO_REUSEADDR (flow sockets share the port).
class UdpEcho {
   public:
    explicit UdpEcho(boost::asio::io_context& io) : socket_(io, udp::v4()) {
        socket_.set_option(boost::asio::socket_base::reuse_address(true));
        socket_.bind(udp::endpoint(kDestinationAddress, 0));
        receive();
    }
    udp::endpoint endpoint() const { return socket_.local_endpoint(); }

   private:
    void receive() {
        socket_.async_receive_from(boost::asio::buffer(buffer_), peer_, [this](boost::system::error_code ec, std::size_t n) {
            if (ec) return;
            boost::system::error_code ignored;
            socket_.send_to(boost::asio::buffer(buffer_.data(), n), peer_, 0, ignored);
            receive();
        });
    }
    udp::socket socket_;
    udp::endpoint peer_;
    std::vector<uint8_t> buffer_ = std::vector<uint8_t>(65536);
};

/// What the tproxy plugin would lend: every datagram "was going to" `destination`.
client::TransparentUdp stand_in(udp::endpoint destination) {
    client::TransparentUdp udp;
    udp.receive = [destination](int fd, std::span<uint8_t> buffer) -> std::optional<client::CapturedDatagram> {
        client::CapturedDatagram datagram;
        socklen_t len = static_cast<socklen_t>(datagram.source.capacity());
        const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_TRUNC | MSG_DONTWAIT,
                                     datagram.source.data(), &len);
        if (n < 0) return std::nullopt;
        datagram.source.resize(len);
        datagram.size = static_cast<std::size_t>(n);
        datagram.destination = destination;
        return datagram;
    };
    udp.open_reply = [](const udp::endpoint& from, const udp::endpoint* to) {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, from.data(), from.size()) != 0 || (to && ::connect(fd, to->data(), to->size()) != 0)) {
            ::close(fd);
            throw std::runtime_error("stand-in open_reply failed");
        }
        return fd;
    };
    return udp;
}

}  // namespace

TEST_CASE("udp: flows through the server, echoes intact from the original destination, idle flows close") {
    boost::asio::io_context io;
    auto [client_fd, server_fd] = test::make_socketpair();
    server::Server server(io, server::make_stdio_stream(io, server_fd, server_fd), server::ServerOptions{});
    server.start();
    client::EngineOptions options;
    options.udp_timeout = std::chrono::milliseconds(300);
    client::ClientEngine engine(io, stream::make_fd_stream(io, client_fd, "in-process server"), options);
    engine.start();
    UdpEcho echo(io);

    udp::socket listener(io, udp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    const udp::endpoint listener_address = listener.local_endpoint();
    engine.add_udp_listener(listener.release(), stand_in(echo.endpoint()));

    // Three applications, each its own flow, sizes from 1 byte to near the largest datagram.
    std::vector<std::unique_ptr<udp::socket>> apps;
    for (int i = 0; i < 3; ++i) apps.push_back(std::make_unique<udp::socket>(io, udp::endpoint(udp::v4(), 0)));
    const std::vector<std::size_t> sizes = {1, 100, 1472, 1473, 8192, 60000};
    std::map<std::size_t, std::string> echoed;  // app index * 100 + size index -> payload
    int received = 0, matched = 0, from_destination = 0;
    for (std::size_t a = 0; a < apps.size(); ++a) {
        for (std::size_t s = 0; s < sizes.size(); ++s) {
            const std::string payload = test::random_bytes(sizes[s], static_cast<uint32_t>(a * 100 + s));
            apps[a]->send_to(boost::asio::buffer(payload), listener_address);
            // One datagram in flight per application: UDP may reorder, the check should not depend on it.
            std::vector<char> buffer(65536);
            udp::endpoint from;
            bool done = false;
            apps[a]->async_receive_from(boost::asio::buffer(buffer), from,
                                        [&](boost::system::error_code ec, std::size_t n) {
                                            done = true;
                                            if (ec) return;
                                            ++received;
                                            if (std::string(buffer.data(), n) == payload) ++matched;
                                            if (from == echo.endpoint()) ++from_destination;
                                        });
            REQUIRE(test::run_until(io, [&] { return done; }));
        }
    }
    CHECK(received == 18);
    CHECK(matched == 18);
    CHECK(from_destination == 18);
    CHECK(engine.udp_flows() == 3);

    // No traffic: every flow closes (UDP_CLOSE) and frees its channel.
    CHECK(test::run_until(io, [&] { return engine.udp_flows() == 0 && engine.open_channels() == 0; }));
    engine.stop();
}
