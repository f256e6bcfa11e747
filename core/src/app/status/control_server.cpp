// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/control_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/status/control_request.hpp"

namespace sshuttle::app::status {

bool peer_allowed(uid_t peer, const std::vector<uid_t>& allowed) {
    return peer == 0 || std::find(allowed.begin(), allowed.end(), peer) != allowed.end();
}

/// One accepted connection: read a line (bounded, with a deadline), write one reply, close.
class ControlServer::Connection : public std::enable_shared_from_this<Connection> {
   public:
    Connection(std::shared_ptr<ControlServer> server, boost::asio::local::stream_protocol::socket socket)
        : server_(std::move(server)), socket_(std::move(socket)), timer_(socket_.get_executor()),
          input_(kMaxRequestBytes) {}

    ~Connection() { --server_->active_; }

    void start(bool busy) {
        timer_.expires_after(server_->deadline_);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->close();  // too slow: whatever it was doing, it is cut off
        });
        if (busy) {
            finish(error_reply(fmt::format("busy: {} status requests are already being served", kMaxClients)));
            return;
        }
        if (const auto uid = peer_uid(); !uid || !peer_allowed(*uid, server_->allowed_)) {
            spdlog::debug("status socket: refused a peer with uid {}", uid ? std::to_string(*uid) : "unknown");
            finish(error_reply(uid ? fmt::format("permission denied for uid {}", *uid)
                                   : std::string("permission denied: the peer's credentials are unknown")));
            return;
        }
        boost::asio::async_read_until(
            socket_, input_, '\n', [self = shared_from_this()](boost::system::error_code ec, std::size_t size) {
                self->got_line(ec, size);
            });
    }

    void close() {
        boost::system::error_code ignored;
        timer_.cancel();
        socket_.close(ignored);
    }

   private:
    std::optional<uid_t> peer_uid() {
        ucred credentials{};
        socklen_t length = sizeof credentials;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
            return std::nullopt;
        return credentials.uid;
    }

    void got_line(boost::system::error_code ec, std::size_t size) {
        if (ec == boost::asio::error::operation_aborted || !socket_.is_open()) return;
        std::string line(boost::asio::buffers_begin(input_.data()), boost::asio::buffers_end(input_.data()));
        if (!ec) {
            line.resize(size - 1);  // the newline
        } else if (ec == boost::asio::error::not_found) {  // the buffer filled up without a newline
            finish(error_reply(fmt::format("request too long (more than {} bytes without a newline)",
                                           kMaxRequestBytes)));
            return;
        } else if (ec != boost::asio::error::eof || line.empty()) {
            close();  // gone without asking anything
            return;
        }
        // A last line without its newline (`printf status | nc -U`) is a request too.
        finish(server_->reply_to(line));
    }

    void finish(std::string reply) {
        reply_ = std::move(reply) + "\n";
        boost::asio::async_write(socket_, boost::asio::buffer(reply_),
                                 [self = shared_from_this()](boost::system::error_code, std::size_t) {
                                     boost::system::error_code ignored;
                                     self->socket_.shutdown(boost::asio::socket_base::shutdown_both, ignored);
                                     self->close();
                                 });
    }

    std::shared_ptr<ControlServer> server_;
    boost::asio::local::stream_protocol::socket socket_;
    boost::asio::steady_timer timer_;
    boost::asio::streambuf input_;
    std::string reply_;
};

std::shared_ptr<ControlServer> ControlServer::create(boost::asio::io_context& io, int listen_fd,
                                                     std::vector<uid_t> allowed, StatusJson status_json,
                                                     std::chrono::milliseconds deadline) {
    return std::shared_ptr<ControlServer>(
        new ControlServer(io, listen_fd, std::move(allowed), std::move(status_json), deadline));
}

ControlServer::ControlServer(boost::asio::io_context& io, int listen_fd, std::vector<uid_t> allowed,
                             StatusJson status_json, std::chrono::milliseconds deadline)
    : io_(io),
      acceptor_(io, boost::asio::local::stream_protocol(), listen_fd),
      allowed_(std::move(allowed)),
      status_json_(std::move(status_json)),
      deadline_(deadline),
      retry_timer_(io) {}

void ControlServer::start() { accept_next(); }

void ControlServer::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    for (auto& weak : std::exchange(connections_, {}))
        if (auto connection = weak.lock()) connection->close();
}

void ControlServer::accept_next() {
    if (stopped_) return;
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                       boost::asio::local::stream_protocol::socket socket) {
        if (self->stopped_ || ec == boost::asio::error::operation_aborted) return;
        if (!ec) {
            const bool busy = self->active_ >= kMaxClients;
            ++self->active_;
            auto connection = std::make_shared<Connection>(self, std::move(socket));
            std::erase_if(self->connections_, [](const auto& weak) { return weak.expired(); });
            self->connections_.push_back(connection);
            connection->start(busy);
        } else {
            // Out of descriptors, say: try again shortly instead of spinning on the error.
            spdlog::debug("status socket: accept: {}", ec.message());
            self->retry_timer_.expires_after(std::chrono::milliseconds(200));
            self->retry_timer_.async_wait([self](boost::system::error_code wait_ec) {
                if (!wait_ec) self->accept_next();
            });
            return;
        }
        self->accept_next();
    });
}

std::string ControlServer::reply_to(const std::string& line) {
    const ControlRequest request = parse_request(line);
    switch (request.kind) {
        case RequestKind::kStatus:
            return status_json_ ? status_json_() : error_reply("no status yet");
        case RequestKind::kPing:
            return R"({"ok":"pong"})";
        case RequestKind::kInvalid:
            break;
    }
    spdlog::debug("status socket: {}", request.error);
    return error_reply(request.error);
}

}  // namespace sshuttle::app::status
