// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/stdio_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "stream/descriptor_write.hpp"

namespace sshuttle::server {
namespace {

class StdioStream final : public stream::ByteStream {
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
        writer_.async_write_some(data, size, std::move(handler));
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
    stream::DescriptorWriter writer_{out_};
};

}  // namespace

std::unique_ptr<stream::ByteStream> make_stdio_stream(boost::asio::io_context& io, int in_fd, int out_fd) {
    return std::make_unique<StdioStream>(io, in_fd, out_fd);
}

}  // namespace sshuttle::server
