// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's DNS redirector in one process: application UDP sockets -> DNS listener -> ClientEngine ->
// socketpair -> Server -> a tiny UDP "nameserver" on 127.0.0.1 (the server's --to-ns), and back.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "client/dns_proxy.hpp"
#include "client/engine.hpp"
#include "mux/mux.hpp"
#include "server/server.hpp"
#include "server/stdio_stream.hpp"
#include "../mux/support/socket_stream.hpp"
#include "stream/fd_stream.hpp"

using namespace sshuttle;
using boost::asio::ip::udp;

namespace {

const udp::endpoint kLoopbackAny(boost::asio::ip::address_v4::loopback(), 0);

/// Room for a burst of hundreds of datagrams, so the test measures the proxy and not socket buffers.
void big_receive_buffer(int fd) {
    int size = 4 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

/// Answers every datagram with "answer:" + datagram (up to 64 KiB), or stays silent.
class Nameserver {
   public:
    Nameserver(boost::asio::io_context& io, bool silent) : socket_(io, kLoopbackAny), buffer_(65536) {
        big_receive_buffer(socket_.native_handle());
        if (!silent) receive();
    }
    uint16_t port() const { return socket_.local_endpoint().port(); }
    int queries = 0;

   private:
    void receive() {
        socket_.async_receive_from(boost::asio::buffer(buffer_), sender_, [this](boost::system::error_code ec, std::size_t n) {
            if (ec) return;
            ++queries;
            std::string reply = "answer:" + std::string(buffer_.data(), std::min<std::size_t>(n, 65000));
            socket_.send_to(boost::asio::buffer(reply), sender_);
            receive();
        });
    }
    udp::socket socket_;
    udp::endpoint sender_;
    std::vector<char> buffer_;
};

/// One application: sends one query from its own socket and keeps the first answer.
class Asker {
   public:
    Asker(boost::asio::io_context& io, uint16_t proxy_port, std::string query)
        : socket_(io, kLoopbackAny), query_(std::move(query)), buffer_(65536) {
        socket_.send_to(boost::asio::buffer(query_), udp::endpoint(boost::asio::ip::address_v4::loopback(), proxy_port));
        socket_.async_receive_from(boost::asio::buffer(buffer_), from_, [this](boost::system::error_code ec, std::size_t n) {
            if (ec == boost::asio::error::operation_aborted) return;  // the asker is gone: its socket was closed
            if (!ec) answer = std::string(buffer_.data(), n);
            done = true;
        });
    }
    const std::string& query() const { return query_; }
    std::string answer;
    bool done = false;

   private:
    udp::socket socket_;
    std::string query_;
    std::vector<char> buffer_;
    udp::endpoint from_;
};

/// A bound UDP socket on 127.0.0.1, as app/dns_listeners makes it.
int bind_dns_socket(uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    big_receive_buffer(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), len) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0)
        throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
    port = ntohs(address.sin_port);
    return fd;
}

bool run_for(boost::asio::io_context& io, const std::function<bool()>& pred,
             std::chrono::steady_clock::duration timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        io.run_one_for(std::chrono::milliseconds(50));
    }
    return true;
}

server::ServerOptions to_ns(uint16_t port) {
    server::ServerOptions options;
    net::Endpoint ns;
    net::IpAddress::parse("127.0.0.1", ns.address);
    ns.port = port;
    options.to_ns = ns;
    return options;
}

struct DnsTunnel {
    boost::asio::io_context io;
    Nameserver nameserver;
    std::unique_ptr<server::Server> server;
    std::unique_ptr<client::ClientEngine> engine;
    uint16_t proxy_port = 0;
    std::vector<std::string> closed;

    explicit DnsTunnel(bool silent = false) : nameserver(io, silent) {
        auto [client_fd, server_fd] = test::make_socketpair();
        server = std::make_unique<server::Server>(io, server::make_stdio_stream(io, server_fd, server_fd),
                                                  to_ns(nameserver.port()));
        server->start();
        engine = std::make_unique<client::ClientEngine>(io, stream::make_fd_stream(io, client_fd, "in-process"),
                                                        client::EngineOptions{});
        engine->on_closed = [this](const std::string& reason) { closed.push_back(reason); };
        engine->start();
        engine->add_dns_listener(bind_dns_socket(proxy_port));
    }
    std::unique_ptr<Asker> ask(std::string query) { return std::make_unique<Asker>(io, proxy_port, std::move(query)); }
};

}  // namespace

TEST_CASE("dns proxy: a query goes through the server and its answer comes back to the asker") {
    DnsTunnel t;
    auto asker = t.ask("who is only-the-lab-knows.test?");
    REQUIRE(run_for(t.io, [&] { return asker->done; }));
    CHECK(asker->answer == "answer:who is only-the-lab-knows.test?");
    CHECK(t.nameserver.queries == 1);
    REQUIRE(run_for(t.io, [&] { return t.engine->open_channels() == 0; }));  // the channel is freed at once
    CHECK(t.closed.empty());
}

TEST_CASE("dns proxy: 500 queries in flight at once all get their own answer") {
    DnsTunnel t;
    std::vector<std::unique_ptr<Asker>> askers;
    for (int i = 0; i < 500; ++i) askers.push_back(t.ask("query-" + std::to_string(i)));
    REQUIRE(run_for(t.io, [&] {
        return std::all_of(askers.begin(), askers.end(), [](const auto& a) { return a->done; });
    }));
    CHECK(std::count_if(askers.begin(), askers.end(), [](const auto& a) { return a->answer == "answer:" + a->query(); }) ==
          500);
    REQUIRE(run_for(t.io, [&] { return t.engine->open_channels() == 0; }));
}

TEST_CASE("dns proxy: a query far larger than upstream's 4096 bytes is forwarded whole") {
    DnsTunnel t;
    std::string query(20000, 'q');
    query.back() = '!';
    auto asker = t.ask(query);
    REQUIRE(run_for(t.io, [&] { return asker->done; }));
    CHECK(asker->answer == "answer:" + query);
}

TEST_CASE("dns proxy: an asker that went away costs nothing; the next query is answered") {
    DnsTunnel t;
    {
        auto gone = t.ask("nobody will read this");
    }  // its socket is closed before the answer comes
    REQUIRE(run_for(t.io, [&] { return t.nameserver.queries == 1 && t.engine->open_channels() == 0; }));
    auto asker = t.ask("still there?");
    REQUIRE(run_for(t.io, [&] { return asker->done; }));
    CHECK(asker->answer == "answer:still there?");
    CHECK(t.closed.empty());
}

TEST_CASE("dns proxy: an unanswered query frees its channel when it expires, and the session lives on") {
    boost::asio::io_context io;
    Nameserver silent(io, true);
    auto [client_fd, server_fd] = test::make_socketpair();
    server::Server server(io, server::make_stdio_stream(io, server_fd, server_fd), to_ns(silent.port()));
    server.start();
    auto mux = mux::Mux::create(io, stream::make_fd_stream(io, client_fd, "in-process"), mux::MuxOptions{});
    bool closed = false;
    mux->on_closed = [&](const std::string&, bool) { closed = true; };
    mux->start();
    uint16_t port = 0;
    auto proxy = client::DnsProxy::create(mux, bind_dns_socket(port), std::chrono::milliseconds(200));
    proxy->start();
    Asker asker(io, port, "lost in the void");
    REQUIRE(run_for(io, [&] { return mux->channel_count() == 1; }, std::chrono::seconds(5)));
    REQUIRE(run_for(io, [&] { return mux->channel_count() == 0; }, std::chrono::seconds(5)));
    CHECK_FALSE(asker.done);
    CHECK_FALSE(closed);
    proxy->stop();
    mux->close("test over", true);
    server.stop();
}
