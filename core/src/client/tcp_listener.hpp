// SPDX-License-Identifier: LGPL-2.1-or-later
// Accepts redirected connections on one listening socket, as many as are pending per wake-up, and survives
// fd exhaustion (EMFILE/ENFILE) by briefly giving up a reserved fd to accept and drop the connection, so the
// kernel queue does not stay full and the loop does not spin (upstream's trick, client.py).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

namespace sshuttle::client {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
   public:
    using OnAccept = std::function<void(int fd)>;

    /// Takes ownership of listen_fd (bound, listening); on_accept owns each accepted fd (non-blocking).
    static std::shared_ptr<TcpListener> create(boost::asio::io_context& io, int listen_fd, OnAccept on_accept);
    void start();
    void stop();
    /// The address the socket listens on (for the "that's my address" loop check).
    boost::asio::ip::tcp::endpoint local_endpoint() const;

   private:
    TcpListener(boost::asio::io_context& io, int listen_fd, OnAccept on_accept);
    void wait();
    void accept_pending();
    bool drop_one_with_reserved_fd();

    boost::asio::ip::tcp::acceptor acceptor_;
    OnAccept on_accept_;
    bool stopped_ = false;
};

}  // namespace sshuttle::client
