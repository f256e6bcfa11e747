// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/stdio_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace sshuttle::server {
namespace {

class StdioStream final : public transport::ByteStream {
   public:
    StdioStream(boost::asio::io_context& io, int in_fd, int out_fd)
        : in_(io, in_fd), out_(io, in_fd == out_fd ? ::dup(out_fd) : out_fd) {
        boost::system::error_code ignored;
        in_.non_blocking(true, ignored);
        out_.non_blocking(true, ignored);
    }
    ~StdioStream() override { close(); }

    void async_read_some(void* data, std::size_t size, Handler handler) override {
        in_.async_read_some(boost::asio::buffer(data, size), std::move(handler));
    }
    void async_write_some(const void* data, std::size_t size, Handler handler) override {
        // send(MSG_NOSIGNAL) instead of write(): a peer that went away must be an EPIPE error for this
        // stream, not a SIGPIPE that kills a process which did not ignore it.
        out_.async_wait(boost::asio::posix::descriptor_base::wait_write,
                             [this, data, size, handler = std::move(handler)](boost::system::error_code ec) mutable {
                                 if (ec) {
                                     handler(ec, 0);  // possibly after destruction: touch nothing else
                                     return;
                                 }
                                 const int fd = out_.native_handle();
                                 ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
                                 if (n < 0 && errno == ENOTSOCK) n = ::write(fd, data, size);
                                 if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                                     async_write_some(data, size, std::move(handler));
                                     return;
                                 }
                                 if (n < 0) {
                                     handler(boost::system::error_code(errno, boost::system::system_category()), 0);
                                 } else {
                                     handler({}, static_cast<std::size_t>(n));
                                 }
                             });
    }
    void shutdown_write() override {
        boost::system::error_code ignored;
        out_.close(ignored);
    }
    void close() override {
        boost::system::error_code ignored;
        in_.close(ignored);
        out_.close(ignored);
    }
    std::string describe() const override { return "stdin/stdout"; }

   private:
    boost::asio::posix::stream_descriptor in_;
    boost::asio::posix::stream_descriptor out_;
};

}  // namespace

std::unique_ptr<transport::ByteStream> make_stdio_stream(boost::asio::io_context& io, int in_fd, int out_fd) {
    return std::make_unique<StdioStream>(io, in_fd, out_fd);
}

}  // namespace sshuttle::server
