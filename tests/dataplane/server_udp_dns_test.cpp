// SPDX-License-Identifier: LGPL-2.1-or-later
// The in-process Server driven by a raw mux peer: DNS_REQ forwarding (and failure) and UDP flows, against
// UDP services on 127.0.0.1.
#include <doctest/doctest.h>

#include <optional>

#include <boost/asio/ip/udp.hpp>

#include "mux/frame.hpp"
#include "mux/payloads.hpp"
#include "server/helper_args.hpp"
#include "server/server.hpp"
#include "server/stdio_stream.hpp"
#include "../mux/support/socket_stream.hpp"

using namespace sshuttle;
using boost::asio::ip::udp;

namespace {

std::string frame(uint16_t channel, mux::Command cmd, std::string_view payload) {
    std::vector<uint8_t> out;
    mux::append_frame(out, channel, cmd, mux::text_bytes(payload));
    return {out.begin(), out.end()};
}

/// Answers every datagram with "reply:" + datagram.
class UdpEcho {
   public:
    explicit UdpEcho(boost::asio::io_context& io) : socket_(io, udp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
        receive();
    }
    uint16_t port() const { return socket_.local_endpoint().port(); }
    int queries = 0;

   private:
    void receive() {
        socket_.async_receive_from(boost::asio::buffer(buffer_), sender_, [this](boost::system::error_code ec, std::size_t n) {
            if (ec) return;
            ++queries;
            reply_ = "reply:" + std::string(buffer_, n);
            socket_.send_to(boost::asio::buffer(reply_), sender_);
            receive();
        });
    }
    udp::socket socket_;
    udp::endpoint sender_;
    char buffer_[4096];
    std::string reply_;
};

struct ServerUnderTest {
    boost::asio::io_context io;
    std::unique_ptr<server::Server> server;
    std::unique_ptr<test::RawPeer> peer;
    std::optional<bool> closed_clean;

    void start(server::ServerOptions options) {
        auto [ours, theirs] = test::make_socketpair();
        server = std::make_unique<server::Server>(io, server::make_stdio_stream(io, ours, ours), options);
        server->on_closed = [this](const std::string&, bool clean) { closed_clean = clean; };
        server->start();
        peer = std::make_unique<test::RawPeer>(io, theirs);
    }
    bool run_until_received(const std::string& bytes) {
        return test::run_until(io, [&] { return peer->received.find(bytes) != std::string::npos; });
    }
};

}  // namespace

TEST_CASE("server: DNS_REQ goes to --to-ns and the reply comes back as DNS_RESPONSE") {
    ServerUnderTest t;
    UdpEcho nameserver(t.io);
    server::ServerOptions options;
    options.to_ns = server::parse_to_ns("127.0.0.1@" + std::to_string(nameserver.port()));
    t.start(options);
    t.peer->write(frame(1, mux::Command::kDnsReq, "query-1") + frame(2, mux::Command::kDnsReq, "query-2"));
    REQUIRE(t.run_until_received(frame(1, mux::Command::kDnsResponse, "reply:query-1")));
    REQUIRE(t.run_until_received(frame(2, mux::Command::kDnsResponse, "reply:query-2")));
    CHECK(nameserver.queries == 2);
    // The channel is free again once answered: the same id can carry the next query.
    t.peer->write(frame(1, mux::Command::kDnsReq, "query-3"));
    CHECK(t.run_until_received(frame(1, mux::Command::kDnsResponse, "reply:query-3")));
}

TEST_CASE("server: a DNS query to a dead nameserver fails alone and the server keeps serving") {
    ServerUnderTest t;
    uint16_t dead_port = 0;
    {
        udp::socket probe(t.io, udp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
        dead_port = probe.local_endpoint().port();
    }
    server::ServerOptions options;
    options.to_ns = server::parse_to_ns("127.0.0.1@" + std::to_string(dead_port));
    t.start(options);
    // Each try is refused at once (ICMP port unreachable on loopback); the request gives up, the server lives.
    t.peer->write(frame(4, mux::Command::kDnsReq, "lost") + frame(0, mux::Command::kPing, "during"));
    REQUIRE(t.run_until_received(frame(0, mux::Command::kPong, "during")));
    t.peer->write(frame(0, mux::Command::kPing, "after"));
    REQUIRE(t.run_until_received(frame(0, mux::Command::kPong, "after")));
    CHECK(t.peer->received.find(frame(4, mux::Command::kDnsResponse, "")) == std::string::npos);
    CHECK_FALSE(t.closed_clean);
}

TEST_CASE("server: UDP_OPEN/DATA/CLOSE relay datagrams with their source address") {
    ServerUnderTest t;
    UdpEcho service(t.io);
    t.start({});
    const std::string port = std::to_string(service.port());
    t.peer->write(frame(7, mux::Command::kUdpOpen, "2") +
                  frame(7, mux::Command::kUdpData, "127.0.0.1," + port + ",ping,with,commas"));
    REQUIRE(t.run_until_received(
        frame(7, mux::Command::kUdpData, "127.0.0.1," + port + ",reply:ping,with,commas")));
    t.peer->write(frame(7, mux::Command::kUdpClose, "") + frame(7, mux::Command::kUdpOpen, "10") +
                  frame(7, mux::Command::kUdpData, "127.0.0.1," + port + ",v6-socket"));
    // An IPv6 flow reaches an IPv4 service through a mapped address and reports the plain IPv4 source.
    CHECK(t.run_until_received(frame(7, mux::Command::kUdpData, "127.0.0.1," + port + ",reply:v6-socket")));
    CHECK(service.queries == 2);
}
