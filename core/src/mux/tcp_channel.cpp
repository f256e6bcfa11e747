// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/tcp_channel.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace sshuttle::mux {
namespace {

constexpr std::size_t kMaxGather = 16;  // frames per socket write (an iovec array on the stack)

}  // namespace

std::shared_ptr<TcpChannel> TcpChannel::create(std::shared_ptr<Mux> mux, uint16_t channel,
                                               boost::asio::ip::tcp::socket socket) {
    auto self = std::shared_ptr<TcpChannel>(new TcpChannel(mux, channel, std::move(socket)));
    mux->attach(channel, self);
    self->flow_ = mux->flow(channel);
    if (!self->flow_) self->flow_ = std::make_shared<ChannelFlow>();  // the mux was closed already
    return self;
}

TcpChannel::TcpChannel(std::shared_ptr<Mux> mux, uint16_t channel, boost::asio::ip::tcp::socket socket)
    : mux_(std::move(mux)), channel_(channel), socket_(std::move(socket)), stuck_timer_(mux_->io()) {}

void TcpChannel::start() {
    connected_ = true;
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // We write whole frames' worth at once; Nagle would only add delay to interactive traffic.
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    read_socket();
    write_socket();
}

void TcpChannel::connect(const boost::asio::ip::tcp::endpoint& destination, uint32_t mark) {
    boost::system::error_code ec;
    socket_.open(destination.protocol(), ec);
    if (!ec && mark != 0 &&
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        spdlog::warn("setting SO_MARK {:#x} failed: {}", mark, std::strerror(errno));
    }
    if (ec) {
        spdlog::info("connect to {} failed: {}", destination.address().to_string(), ec.message());
        refuse();
        return;
    }
    socket_.async_connect(destination, [self = shared_from_this(), destination](boost::system::error_code ec) {
        if (self->mux_closed_ || self->reset_) return;
        if (ec) {
            spdlog::info("connect to [{}]:{} failed: {}", destination.address().to_string(), destination.port(),
                         ec.message());
            self->refuse();
            return;
        }
        spdlog::debug("channel {}: connected to [{}]:{}", self->channel_, destination.address().to_string(),
                      destination.port());
        self->start();
    });
}

void TcpChannel::refuse() {
    end_socket_to_peer(true);
    on_socket_write_failed();
}

void TcpChannel::read_socket() {
    // Read at once while the mux has room; wait for readiness only when the socket has nothing (EAGAIN).
    // A bulk sender almost always has data waiting, and a wait per read cost two epoll calls per read.
    while (connected_ && !mux_closed_ && !to_peer_done_ && !waiting_readable_) {
        if (!mux_->can_send(channel_)) {
            mux_->wait_for_room(channel_);
            return;
        }
        if (!read_once()) return;
    }
}

void TcpChannel::wait_readable() {
    waiting_readable_ = true;
    socket_.async_wait(boost::asio::socket_base::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                           self->waiting_readable_ = false;
                           if (self->mux_closed_ || self->to_peer_done_) return;
                           if (ec) {
                               self->end_socket_to_peer(true);
                               return;
                           }
                           self->read_socket();
                       });
}

bool TcpChannel::read_once() {
    // Read straight into the mux's scratch buffer and queue it as frames at once: no per-socket buffer.
    // With a window, never more than the peer granted: the rest stays in our socket's receive buffer.
    auto buffer = mux_->scratch();
    buffer = buffer.first(std::min(buffer.size(), mux_->send_allowance(channel_)));
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buffer.data(), buffer.size()), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again ||
        ec == boost::asio::error::interrupted) {
        wait_readable();
        return false;
    }
    if (ec) {
        // EOF, or a reset: either way nothing more will come from this socket.
        if (ec != boost::asio::error::eof) spdlog::debug("channel {}: read: {}", channel_, ec.message());
        end_socket_to_peer(true);
        return false;
    }
    mux_->send_data(channel_, buffer.first(n));
    if (traffic_) traffic_->from_socket += n;
    return true;
}

void TcpChannel::end_socket_to_peer(bool tell_peer) {
    if (to_peer_done_) return;
    to_peer_done_ = true;
    if (tell_peer && !mux_closed_) mux_->send(channel_, Command::kTcpEof, {});
    maybe_finish();
}

void TcpChannel::on_frame(Command cmd, std::span<const uint8_t> payload) {
    switch (cmd) {
        case Command::kTcpData:
            if (from_peer_done_) return;  // after STOP_SENDING the peer may still have had data in flight
            if (payload.empty()) return;
            to_socket_.emplace_back(payload.begin(), payload.end());
            to_socket_bytes_ += payload.size();
            if (!mux_->accept_data(channel_, *flow_, payload.size())) {
                reset();
                return;
            }
            watch_stuck();
            write_socket();
            return;
        case Command::kTcpEof:
            if (!from_peer_done_) {
                from_peer_done_ = true;
                peer_eof_ = true;
                write_socket();  // shuts down our sending side once the queue is written
                maybe_finish();
            }
            return;
        case Command::kTcpStopSending:
            // The peer cannot deliver more: stop reading our socket, without sending TCP_EOF.
            end_socket_to_peer(false);
            return;
        default:
            spdlog::warn("channel {}: unexpected {} ignored", channel_, command_name(static_cast<uint16_t>(cmd)));
    }
}

void TcpChannel::write_socket() {
    if (!connected_ || mux_closed_ || reset_ || writing_) return;
    if (to_socket_.empty()) {
        if (peer_eof_) {
            boost::system::error_code ignored;
            socket_.shutdown(boost::asio::socket_base::shutdown_send, ignored);
            peer_eof_ = false;
            maybe_finish();
        }
        return;
    }
    writing_ = true;
    // Gather the queued frames into one sendmsg: one read of the transport often brings several frames for
    // the same channel. Frames queued meanwhile go in the next write (deque push_back keeps these valid).
    // write_some, not a composed write: every byte the socket takes counts at once (grants, stuck time-out).
    const std::size_t count = std::min<std::size_t>(to_socket_.size(), kMaxGather);
    // Passed by value: the operation keeps its own copy of the sequence (unused entries are empty).
    std::array<boost::asio::const_buffer, kMaxGather> buffers{};
    buffers[0] = boost::asio::buffer(to_socket_[0]) + front_written_;
    for (std::size_t i = 1; i < count; ++i) buffers[i] = boost::asio::buffer(to_socket_[i]);
    socket_.async_write_some(buffers, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        self->writing_ = false;
        if (self->mux_closed_ || self->reset_) return;
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            self->write_socket();
            return;
        }
        if (ec) {
            spdlog::debug("channel {}: write: {}", self->channel_, ec.message());
            self->on_socket_write_failed();
            return;
        }
        self->consume_written(n);
        self->write_socket();
        self->maybe_finish();
    });
}

void TcpChannel::consume_written(std::size_t bytes) {
    to_socket_bytes_ -= bytes;
    if (traffic_) traffic_->to_socket += bytes;
    progressed_ = progressed_ || bytes > 0;
    std::size_t left = bytes;
    while (left > 0) {
        const std::size_t rest = to_socket_.front().size() - front_written_;
        if (left < rest) {
            front_written_ += left;
            break;
        }
        left -= rest;
        front_written_ = 0;
        to_socket_.pop_front();
    }
    mux_->delivered(channel_, *flow_, bytes);
}

void TcpChannel::watch_stuck() {
    if (stuck_timer_armed_ || reset_ || mux_closed_ || !mux_->over_backlog_bound(*flow_)) return;
    stuck_timer_armed_ = true;
    progressed_ = false;
    stuck_timer_.expires_after(mux_->options().stuck_timeout);
    stuck_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->stuck_timer_armed_ = false;
        if (ec || self->mux_closed_ || self->reset_ || !self->mux_->over_backlog_bound(*self->flow_)) return;
        if (self->progressed_) {
            self->watch_stuck();  // slow but moving: watch the next period
            return;
        }
        spdlog::warn("channel {}: its socket took no byte for {} ms while {} bytes waited: resetting it",
                     self->channel_, self->mux_->options().stuck_timeout.count(), self->flow_->backlog);
        self->reset();
    });
}

void TcpChannel::reset() {
    if (reset_ || mux_closed_) return;
    reset_ = true;
    stuck_timer_.cancel();
    mux_->discard_backlog(*flow_);
    to_socket_.clear();
    to_socket_bytes_ = 0;
    front_written_ = 0;
    peer_eof_ = false;
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        // Linger 0: close() sends RST, so the application sees the connection fail, not a clean end.
        socket_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
    }
    // What a failed connection looks like in the protocol: nothing more comes from us, send us nothing more.
    if (!to_peer_done_) {
        to_peer_done_ = true;
        mux_->send(channel_, Command::kTcpEof, {});
    }
    if (!from_peer_done_) {
        from_peer_done_ = true;
        mux_->send(channel_, Command::kTcpStopSending, {});
    }
    maybe_finish();
}

void TcpChannel::on_socket_write_failed() {
    mux_->discard_backlog(*flow_);
    to_socket_.clear();
    to_socket_bytes_ = 0;
    front_written_ = 0;
    peer_eof_ = false;
    if (!from_peer_done_) {
        from_peer_done_ = true;
        if (!mux_closed_) mux_->send(channel_, Command::kTcpStopSending, {});
    }
    maybe_finish();
}

void TcpChannel::on_send_ready() { read_socket(); }

void TcpChannel::on_stuck() {
    spdlog::warn("channel {}: reading waits for the receive budget and its socket takes none of its {} bytes: "
                 "resetting it",
                 channel_, flow_->backlog);
    reset();
}

void TcpChannel::maybe_finish() {
    if (!to_peer_done_ || !from_peer_done_) return;
    if (!detached_) {
        detached_ = true;
        mux_->detach(channel_);  // may drop the mux's reference; async handlers hold their own
    }
    if (!writing_ && to_socket_.empty() && !peer_eof_) {
        boost::system::error_code ignored;
        socket_.close(ignored);
        stuck_timer_.cancel();
    }
}

void TcpChannel::on_mux_closed() {
    mux_closed_ = true;
    detached_ = true;
    boost::system::error_code ignored;
    // The far end is gone with the session: a reset says so, where a FIN would make a cut-off transfer look
    // complete to the application.
    socket_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
    stuck_timer_.cancel();
    to_socket_.clear();
}

}  // namespace sshuttle::mux
