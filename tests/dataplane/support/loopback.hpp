// SPDX-License-Identifier: LGPL-2.1-or-later
// Test support on 127.0.0.1, all on one io_context: destinations (echo, banner), a closed port, and an
// application connection that sends a payload, half-closes and collects the reply.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "net/address.hpp"

namespace sshuttle::test {

using boost::asio::ip::tcp;

inline net::Endpoint loopback(uint16_t port) {
    net::Endpoint endpoint;
    endpoint.address.family = net::Family::kIPv4;
    endpoint.address.bytes[0] = 127;
    endpoint.address.bytes[3] = 1;
    endpoint.port = port;
    return endpoint;
}

/// A bound, listening, non-blocking socket on 127.0.0.1 (the "redirect" listener the firewall would use).
inline int listen_on_loopback(uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, SOMAXCONN) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port = ntohs(address.sin_port);
    return fd;
}

/// A loopback port with nothing listening (bound then closed).
inline uint16_t closed_port() {
    uint16_t port = 0;
    ::close(listen_on_loopback(port));
    return port;
}

inline std::string random_bytes(std::size_t size, uint32_t seed) {
    std::mt19937 generator(seed);
    std::string out(size, '\0');
    for (auto& c : out) c = static_cast<char>(generator());
    return out;
}

/// FNV-1a, to compare large payloads by checksum in messages.
inline uint64_t checksum(const std::string& data) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : data) hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

/// Echoes every connection; on EOF it finishes writing and half-closes too.
class EchoServer {
   public:
    explicit EchoServer(boost::asio::io_context& io) : acceptor_(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
        acceptor_.listen(boost::asio::socket_base::max_listen_connections);
        accept();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    int accepted = 0;

   private:
    struct Session : std::enable_shared_from_this<Session> {
        explicit Session(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        char buffer[65536];
        void read() {
            socket.async_read_some(boost::asio::buffer(buffer), [self = shared_from_this()](auto ec, std::size_t n) {
                if (ec) {
                    boost::system::error_code ignored;
                    self->socket.shutdown(tcp::socket::shutdown_send, ignored);
                    return;
                }
                boost::asio::async_write(self->socket, boost::asio::buffer(self->buffer, n),
                                         [self](auto ec2, std::size_t) {
                                             if (!ec2) self->read();
                                         });
            });
        }
    };
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            ++accepted;
            std::make_shared<Session>(std::move(socket))->read();
            accept();
        });
    }
    tcp::acceptor acceptor_;
};

/// Sends a banner and half-closes at once, then counts what the client sends until its EOF.
class BannerServer {
   public:
    explicit BannerServer(boost::asio::io_context& io) : acceptor_(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
        acceptor_.listen();
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            socket_ = std::make_unique<tcp::socket>(std::move(socket));
            boost::asio::write(*socket_, boost::asio::buffer(std::string("banner\n")));
            socket_->shutdown(tcp::socket::shutdown_send);
            read();
        });
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::size_t received = 0;
    bool got_eof = false;

   private:
    void read() {
        socket_->async_read_some(boost::asio::buffer(buffer_), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                got_eof = true;
                return;
            }
            received += n;
            read();
        });
    }
    tcp::acceptor acceptor_;
    std::unique_ptr<tcp::socket> socket_;
    char buffer_[65536];
};

/// An application connection through the tunnel: writes `payload`, then (optionally) half-closes, and reads
/// until EOF.
class AppConnection : public std::enable_shared_from_this<AppConnection> {
   public:
    AppConnection(boost::asio::io_context& io, uint16_t port, std::string payload, bool half_close = true)
        : socket_(io), payload_(std::move(payload)), half_close_(half_close) {
        socket_.connect(tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
    }
    void start() {
        auto self = shared_from_this();
        boost::asio::async_write(socket_, boost::asio::buffer(payload_), [self](boost::system::error_code ec, std::size_t) {
            self->write_error = ec;
            self->written = true;
            boost::system::error_code ignored;
            if (self->half_close_) self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
        });
        read();
    }
    std::string received;
    bool written = false;
    bool done = false;  // EOF (or error) seen on the read side
    boost::system::error_code write_error;
    boost::system::error_code read_error;
    const std::string& payload() const { return payload_; }

   private:
    void read() {
        socket_.async_read_some(boost::asio::buffer(buffer_), [self = shared_from_this()](auto ec, std::size_t n) {
            if (ec) {
                if (ec != boost::asio::error::eof) self->read_error = ec;
                self->done = true;
                return;
            }
            self->received.append(self->buffer_, n);
            self->read();
        });
    }
    tcp::socket socket_;
    std::string payload_;
    bool half_close_;
    char buffer_[65536];
};

}  // namespace sshuttle::test
