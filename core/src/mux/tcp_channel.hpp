// SPDX-License-Identifier: LGPL-2.1-or-later
// One proxied TCP connection: a local socket bound to a mux channel. Used on both sides (client: the
// accepted application connection; server: the connection to the destination).
//
// Each direction ends on its own, as in upstream:
//  - socket -> peer ends when our socket reads EOF (we send TCP_EOF) or the peer sends TCP_STOP_SENDING;
//  - peer -> socket ends when the peer sends TCP_EOF (we shutdown(SHUT_WR) once our queue is written) or our
//    socket cannot be written (we send TCP_STOP_SENDING and drop what was queued).
// The channel id is freed when both directions have ended; the socket closes once its queue is written.
// A socket that does not take what the peer sends is bounded (see Mux::accept_data): without a window, once
// its backlog is over the bound and it took no byte for the stuck time-out (past the hard cap: for a short grace),
// the channel is reset alone: RST on the socket, TCP_EOF + TCP_STOP_SENDING to the peer.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "mux/channel_traffic.hpp"
#include "mux/mux.hpp"

namespace sshuttle::mux {

class TcpChannel : public ChannelEndpoint, public std::enable_shared_from_this<TcpChannel> {
   public:
    /// Creates the channel and attaches it to the mux.
    static std::shared_ptr<TcpChannel> create(std::shared_ptr<Mux> mux, uint16_t channel,
                                              boost::asio::ip::tcp::socket socket);

    /// For a connected socket: start moving bytes.
    void start();
    /// Server side: connect to destination first (non-blocking); a failure is reported to the peer as
    /// TCP_EOF + TCP_STOP_SENDING so its application sees a closed connection. mark != 0 sets SO_MARK.
    void connect(const boost::asio::ip::tcp::endpoint& destination, uint32_t mark);
    /// Server side: report the connection as failed without trying (e.g. a malformed TCP_CONNECT).
    void refuse();

    void on_frame(Command cmd, std::span<const uint8_t> payload) override;
    void on_send_ready() override;
    void on_mux_closed() override;
    void on_stuck() override;

    /// Counts the bytes moved both ways into `traffic` from now on (the client's status).
    void count_traffic(std::shared_ptr<ChannelTraffic> traffic) { traffic_ = std::move(traffic); }

   private:
    TcpChannel(std::shared_ptr<Mux> mux, uint16_t channel, boost::asio::ip::tcp::socket socket);
    void read_socket();
    void wait_readable();
    /// One non-blocking read; false when it started waiting or the socket ended.
    bool read_once();
    void end_socket_to_peer(bool tell_peer);
    void write_socket();
    void on_socket_write_failed();
    void maybe_finish();
    /// Arms the stuck time-out while the backlog is over its bound.
    void watch_stuck();
    /// Ends the channel at once: RST to the socket, TCP_EOF and TCP_STOP_SENDING to the peer.
    void reset();
    void consume_written(std::size_t bytes);

    std::shared_ptr<Mux> mux_;
    uint16_t channel_;
    boost::asio::ip::tcp::socket socket_;
    bool connected_ = false;
    bool mux_closed_ = false;
    bool waiting_readable_ = false;
    bool to_peer_done_ = false;    // we sent TCP_EOF or got TCP_STOP_SENDING
    bool from_peer_done_ = false;  // we got TCP_EOF or sent TCP_STOP_SENDING
    bool peer_eof_ = false;        // from_peer_done_ because of TCP_EOF: shutdown(SHUT_WR) when drained
    bool detached_ = false;
    std::deque<std::vector<uint8_t>> to_socket_;
    std::size_t to_socket_bytes_ = 0;
    std::size_t front_written_ = 0;  // bytes of to_socket_.front() already written (partial writes)
    bool writing_ = false;
    std::shared_ptr<ChannelFlow> flow_;
    boost::asio::steady_timer stuck_timer_;
    bool stuck_timer_armed_ = false;
    bool progressed_ = false;  // the socket took bytes since the stuck timer was armed
    bool reset_ = false;
    std::shared_ptr<ChannelTraffic> traffic_;  // null: nobody counts
};

}  // namespace sshuttle::mux
