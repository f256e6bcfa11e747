// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/tcp_listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "net/sockaddr.hpp"

namespace sshuttle::client {
namespace {

// Bounded so one flood of connections cannot starve data already flowing on the other sockets.
constexpr int kMaxAcceptsPerWakeup = 256;

boost::asio::ip::tcp protocol_of(int fd) {
    return net::socket_family(fd) == net::Family::kIPv6 ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4();
}

// One spare fd per process, kept open so that it can be given up when the fd table is full.
int& reserved_fd() {
    static int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd;
}

}  // namespace

std::shared_ptr<TcpListener> TcpListener::create(boost::asio::io_context& io, int listen_fd, OnAccept on_accept) {
    return std::shared_ptr<TcpListener>(new TcpListener(io, listen_fd, std::move(on_accept)));
}

TcpListener::TcpListener(boost::asio::io_context& io, int listen_fd, OnAccept on_accept)
    : acceptor_(io, protocol_of(listen_fd), listen_fd), on_accept_(std::move(on_accept)) {
    acceptor_.non_blocking(true);
    reserved_fd();
}

void TcpListener::start() { wait(); }

void TcpListener::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

boost::asio::ip::tcp::endpoint TcpListener::local_endpoint() const {
    boost::system::error_code ignored;
    return acceptor_.local_endpoint(ignored);
}

void TcpListener::wait() {
    if (stopped_) return;
    acceptor_.async_wait(boost::asio::socket_base::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (self->stopped_ || ec == boost::asio::error::operation_aborted) return;
        if (ec) spdlog::warn("waiting on listener failed: {}", ec.message());
        self->accept_pending();
        self->wait();
    });
}

void TcpListener::accept_pending() {
    for (int i = 0; i < kMaxAcceptsPerWakeup && !stopped_; ++i) {
        const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            on_accept_(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
            if (drop_one_with_reserved_fd()) continue;
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) spdlog::warn("accept failed: {}", std::strerror(errno));
        return;
    }
}

bool TcpListener::drop_one_with_reserved_fd() {
    spdlog::warn("too many open files: dropping a new connection");
    int& spare = reserved_fd();
    if (spare >= 0) ::close(spare);
    const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0;
}

}  // namespace sshuttle::client
