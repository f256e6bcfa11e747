// SPDX-License-Identifier: LGPL-2.1-or-later
// make_fd_stream: a ByteStream over one connected socket or pipe fd, via an Asio stream_descriptor.
#include "stream/fd_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "stream/descriptor_write.hpp"

namespace sshuttle::stream {
namespace {

class FdStream final : public ByteStream {
   public:
    FdStream(boost::asio::io_context& io, int fd, std::string description)
        : descriptor_(io, fd), description_(std::move(description)) {
        boost::system::error_code ignored;
        descriptor_.non_blocking(true, ignored);
    }
    ~FdStream() override { close(); }

    void async_read_some(void* data, std::size_t size, Handler handler) override {
        descriptor_.async_read_some(boost::asio::buffer(data, size), std::move(handler));
    }
    void async_write_some(const void* data, std::size_t size, Handler handler) override {
        writer_.async_write_some(data, size, std::move(handler));
    }
    void shutdown_write() override {
        // A socket can half-close; a pipe cannot, so there is nothing to do for one.
        if (descriptor_.is_open()) ::shutdown(descriptor_.native_handle(), SHUT_WR);
    }
    void close() override {
        boost::system::error_code ignored;
        descriptor_.close(ignored);
    }
    std::string describe() const override { return description_; }

   private:
    boost::asio::posix::stream_descriptor descriptor_;
    DescriptorWriter writer_{descriptor_};
    std::string description_;
};

}  // namespace

std::unique_ptr<ByteStream> make_fd_stream(boost::asio::io_context& io, int fd, std::string description) {
    return std::make_unique<FdStream>(io, fd, std::move(description));
}

}  // namespace sshuttle::stream
