// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tcp_forward.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sshuttle::plugins::transport_ssh {

namespace {

// Bytes one pass hands the channel before it reads what came in: as in the pump, an upload must not keep the
// other channels and the replies waiting.
constexpr size_t kMaxSendPerPass = 64 * 1024;

std::string socket_error(const char* what, int error) {
    return std::string(what) + " the application's socket: " + std::strerror(error);
}

}  // namespace

TcpForward::TcpForward(uint64_t id, int fd, std::unique_ptr<ForwardChannel> channel, sdk::ForwardReport report,
                       size_t ring_bytes)
    : id_(id), fd_(fd), channel_(std::move(channel)), report_(report), to_remote_(ring_bytes),
      from_remote_(ring_bytes) {}

TcpForward::~TcpForward() {
    if (fd_ >= 0) ::close(fd_);
}

short TcpForward::poll_events() const {
    if (state_ != State::kOpen) return 0;
    short events = 0;
    // A full ring waits for the channel's window: the socket's own buffers then hold the application back.
    if (!socket_eof_ && to_remote_.room() > 0) events |= POLLIN;
    if (socket_blocked_ && from_remote_.size() > 0) events |= POLLOUT;
    return events;
}

TcpForward::Outcome TcpForward::pump(const Turn& turn, const std::function<bool()>& session_blocked_out) {
    Outcome out;
    if (state_ == State::kOpening) {
        if (!turn.may_open || !turn.may_send) return out;
        try {
            if (!channel_->open()) {
                out.half_sent = session_blocked_out();
                return out;
            }
        } catch (const ForwardChannel::Broken& e) {
            // Nothing was read from the socket: the host carries the connection another way.
            ::close(fd_);
            fd_ = -1;
            state_ = State::kDone;
            report_.opened(id_, SSHUTTLE_EUNSUPPORTED, e.what());
            out.progress = true;
            return out;
        }
        state_ = State::kOpen;
        report_.opened(id_, SSHUTTLE_OK, "");
        out.progress = true;
    }
    if (state_ == State::kOpen) {
        try {
            if ((turn.revents & (POLLIN | POLLHUP | POLLERR)) != 0) out.progress |= read_socket();
            if (state_ == State::kOpen) out.progress |= send_to_channel(turn, out, session_blocked_out);
            if (state_ == State::kOpen) out.progress |= read_channel();
            if (state_ == State::kOpen && (!socket_blocked_ || (turn.revents & (POLLOUT | POLLERR)) != 0))
                out.progress |= write_socket();
        } catch (const ForwardChannel::Broken& e) {
            break_off(e.what());
            out.progress = true;
        }
        // Both directions over: the channel goes.
        if (state_ == State::kOpen && eof_sent_ && socket_shut_) {
            state_ = State::kClosing;
            out.progress = true;
        }
    }
    if (state_ == State::kClosing && turn.may_send && !out.half_sent) {
        if (channel_->close()) {
            finish();
            out.progress = true;
        } else {
            out.half_sent = session_blocked_out();
        }
    }
    return out;
}

bool TcpForward::read_socket() {
    bool moved = false;
    while (!socket_eof_ && to_remote_.room() > 0) {
        auto room = to_remote_.writable();
        ssize_t n = ::recv(fd_, room.data(), room.size(), MSG_DONTWAIT);
        if (n > 0) {
            to_remote_.commit(static_cast<size_t>(n));
            moved = true;
            if (static_cast<size_t>(n) < room.size()) break;  // drained for now: no second call for EAGAIN
            continue;
        }
        if (n == 0) {
            socket_eof_ = true;
            return true;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        break_off(socket_error("reading", errno));
        return true;
    }
    return moved;
}

bool TcpForward::write_socket() {
    bool moved = false;
    socket_blocked_ = false;
    while (from_remote_.size() > 0) {
        auto bytes = from_remote_.readable();
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            from_remote_.consume(static_cast<size_t>(n));
            moved = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            socket_blocked_ = true;
            return moved;
        }
        break_off(socket_error("writing to", n < 0 ? errno : EPIPE));
        return true;
    }
    // The remote's last byte is in the socket: the application gets its EOF.
    if (remote_eof_ && !socket_shut_) {
        ::shutdown(fd_, SHUT_WR);
        socket_shut_ = true;
        moved = true;
    }
    return moved;
}

bool TcpForward::send_to_channel(const Turn& turn, Outcome& out, const std::function<bool()>& session_blocked_out) {
    if (!turn.may_send) return false;
    bool moved = false;
    size_t sent = 0;
    while (to_remote_.size() > 0 && sent < kMaxSendPerPass) {
        auto bytes = to_remote_.readable();
        long n = channel_->write(bytes.data(), bytes.size());
        if (n <= 0) {
            out.half_sent = session_blocked_out();
            return moved;
        }
        to_remote_.consume(static_cast<size_t>(n));
        sent += static_cast<size_t>(n);
        moved = true;
    }
    if (socket_eof_ && to_remote_.size() == 0 && !eof_sent_) {
        if (channel_->send_eof()) {
            eof_sent_ = true;
            moved = true;
        } else {
            out.half_sent = session_blocked_out();
        }
    }
    return moved;
}

bool TcpForward::read_channel() {
    bool moved = false;
    while (!remote_eof_ && from_remote_.room() > 0) {
        auto room = from_remote_.writable();
        long n = channel_->read(room.data(), room.size());
        if (n == ForwardChannel::kEndOfStream) {
            remote_eof_ = true;
            return true;
        }
        if (n <= 0) break;
        from_remote_.commit(static_cast<size_t>(n));
        moved = true;
    }
    return moved;
}

void TcpForward::break_off(const std::string& why) {
    if (broken_.empty()) broken_ = why;
    // The application sees a reset rather than a clean end: a cut transfer must not look complete.
    const linger abort_on_close{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    state_ = State::kClosing;
}

void TcpForward::fail(const std::string& why) {
    if (state_ == State::kDone) return;
    if (state_ == State::kOpening) {
        ::close(fd_);
        fd_ = -1;
        state_ = State::kDone;
        report_.opened(id_, SSHUTTLE_ESYSTEM, why);
        return;
    }
    break_off(why);
    finish();
}

void TcpForward::finish() {
    ::close(fd_);
    fd_ = -1;
    state_ = State::kDone;
    report_.ended(id_, broken_);
}

}  // namespace sshuttle::plugins::transport_ssh
