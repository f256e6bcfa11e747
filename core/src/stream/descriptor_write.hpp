// SPDX-License-Identifier: LGPL-2.1-or-later
// The write half shared by the fd streams (client: socketpair to ssh; server: stdout, a pipe or a socket).
//
// Each write waits for writability first. Writing at once (and posting the handler) saves an epoll round per
// write but was not measurably faster, and it changed which end of a closing session is noticed first: a
// write hit EPIPE before the read saw the peer's clean EOF, so clean shutdowns were reported as failures.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "stream/byte_stream.hpp"

namespace sshuttle::stream {

class DescriptorWriter {
   public:
    explicit DescriptorWriter(boost::asio::posix::stream_descriptor& descriptor) : descriptor_(descriptor) {}

    void async_write_some(const void* data, std::size_t size, ByteStream::Handler handler) {
        descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_write,
                               [this, data, size, handler = std::move(handler)](boost::system::error_code ec) mutable {
                                   if (ec) {
                                       handler(ec, 0);  // possibly after destruction: touch nothing else
                                       return;
                                   }
                                   const ssize_t n = write_now(data, size);
                                   if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                                       async_write_some(data, size, std::move(handler));
                                   } else if (n < 0) {
                                       handler(boost::system::error_code(errno, boost::system::system_category()), 0);
                                   } else {
                                       handler({}, static_cast<std::size_t>(n));
                                   }
                               });
    }

   private:
    ssize_t write_now(const void* data, std::size_t size) {
        const int fd = descriptor_.native_handle();
        if (fd < 0) {
            errno = EBADF;
            return -1;
        }
        // send(MSG_NOSIGNAL) instead of write(): a peer that went away must be an EPIPE error for this
        // stream, not a SIGPIPE that kills a process which did not ignore it. A pipe (the server's stdout
        // under sshd) is not a socket; remember that instead of failing a send() per write.
        if (is_socket_) {
            const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0 || errno != ENOTSOCK) return n;
            is_socket_ = false;
        }
        return ::write(fd, data, size);
    }

    boost::asio::posix::stream_descriptor& descriptor_;
    bool is_socket_ = true;
};

}  // namespace sshuttle::stream
