// SPDX-License-Identifier: LGPL-2.1-or-later
// Serves the control socket on the client's own event loop: each connection sends one request line and gets
// one reply line (control_request.hpp), then is closed. Nothing here can block or stall the data plane:
// every read and write is asynchronous, a request is bounded (kMaxRequestBytes), a connection gets a deadline
// (slow or silent clients are closed), and at most kMaxClients are served at once (the rest get "busy").
// Only root and the allowed uids get an answer: the peer's credentials (SO_PEERCRED) are checked on each
// connection, whatever the socket file's mode.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sshuttle::app::status {

/// Root may always ask; otherwise the peer must be one of `allowed`. Pure.
bool peer_allowed(uid_t peer, const std::vector<uid_t>& allowed);

class ControlServer : public std::enable_shared_from_this<ControlServer> {
   public:
    static constexpr std::size_t kMaxClients = 8;
    static constexpr std::chrono::seconds kDeadline{5};

    /// The status JSON (one line, no newline), computed when a "status" request comes.
    using StatusJson = std::function<std::string()>;

    /// Takes ownership of a bound, listening Unix stream socket.
    static std::shared_ptr<ControlServer> create(boost::asio::io_context& io, int listen_fd,
                                                 std::vector<uid_t> allowed, StatusJson status_json,
                                                 std::chrono::milliseconds deadline = kDeadline);
    void start();
    /// Stops accepting and closes every open connection.
    void stop();
    std::size_t active_clients() const { return active_; }

   private:
    class Connection;
    ControlServer(boost::asio::io_context& io, int listen_fd, std::vector<uid_t> allowed, StatusJson status_json,
                  std::chrono::milliseconds deadline);
    void accept_next();
    std::string reply_to(const std::string& line);

    boost::asio::io_context& io_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::vector<uid_t> allowed_;
    StatusJson status_json_;
    std::chrono::milliseconds deadline_;
    boost::asio::steady_timer retry_timer_;
    std::size_t active_ = 0;
    bool stopped_ = false;
    std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace sshuttle::app::status
