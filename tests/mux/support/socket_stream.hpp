// SPDX-License-Identifier: LGPL-2.1-or-later
// Test support: a ByteStream over one end of a socketpair, plus a raw peer for feeding hand-made bytes.
#pragma once

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "stream/byte_stream.hpp"

namespace sshuttle::test {

class SocketStream final : public stream::ByteStream {
   public:
    SocketStream(boost::asio::io_context& io, int fd) : socket_(io, boost::asio::local::stream_protocol(), fd) {}
    void async_read_some(void* data, std::size_t size, Handler handler) override {
        socket_.async_read_some(boost::asio::buffer(data, size), std::move(handler));
    }
    void async_write_some(const void* data, std::size_t size, Handler handler) override {
        socket_.async_write_some(boost::asio::buffer(data, size), std::move(handler));
    }
    void shutdown_write() override { socket_.shutdown(socket_.shutdown_send); }
    void close() override {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }
    std::string describe() const override { return "test socketpair"; }

   private:
    boost::asio::local::stream_protocol::socket socket_;
};

/// The other end of the pair: collects everything received, writes raw bytes.
class RawPeer {
   public:
    RawPeer(boost::asio::io_context& io, int fd) : socket_(io, boost::asio::local::stream_protocol(), fd) { read(); }
    void write(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
    void shutdown_write() { socket_.shutdown(socket_.shutdown_send); }
    void close() { socket_.close(); }
    std::string received;
    bool eof = false;

   private:
    void read() {
        socket_.async_read_some(boost::asio::buffer(buffer_), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                eof = true;
                return;
            }
            received.append(buffer_, n);
            read();
        });
    }
    boost::asio::local::stream_protocol::socket socket_;
    char buffer_[65536];
};

/// Two connected fds.
inline std::pair<int, int> make_socketpair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair failed");
    return {fds[0], fds[1]};
}

/// Runs handlers until pred() holds; fails loudly instead of hanging when nothing is left to run.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred) {
    while (!pred()) {
        if (io.run_one() == 0) return false;
    }
    return true;
}

}  // namespace sshuttle::test
