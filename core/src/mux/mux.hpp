// SPDX-License-Identifier: LGPL-2.1-or-later
// One end of the sshuttle mux: frames many channels over one ByteStream (ssh, a socketpair, stdin/stdout).
//
// Sending: every channel has its own frame queue; the writer gathers frames round-robin (one frame per
// channel per turn, control frames first) into one buffer of up to kBatchBytes and writes it at once, so a
// bulk channel cannot starve an interactive one and many frames leave per write. FlowLimits bound what may
// queue (see flow_limits.hpp); a channel over its bound asks wait_for_room() and is called back later.
// Receiving: frames are decoded incrementally and dispatched; control frames (channel 0 commands) here,
// opening commands (TCP_CONNECT, DNS_REQ, UDP_OPEN) to on_open, the rest to the channel's endpoint.
// Protocol errors end the session with a one-line reason; frames for closed channels are dropped.
// The mux never stops reading the transport because of one channel: a channel whose socket does not drain is
// held back by its own window (extension, docs/mux-extension.md) or, against an upstream peer, reset alone
// once its backlog is over its bound and its socket took nothing for stuck_timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mux/channel_flow.hpp"
#include "mux/flow_limits.hpp"
#include "mux/frame.hpp"
#include "mux/sync_reader.hpp"
#include "stream/byte_stream.hpp"

namespace sshuttle::mux {

struct MuxOptions {
    bool is_server = false;          // the server writes the sync header; the client waits for it
    bool expect_sync_header = true;  // client: false when the bootstrap already consumed it
    bool latency_control = true;
    std::size_t latency_buffer_size = 32768;
    uint16_t wrap = 65535;           // client channel numbers run 1..wrap
    /// Speak the extension (docs/mux-extension.md): the server announces it in its first PING, the client
    /// uses it once announced. Off: exactly upstream's protocol.
    bool extension = true;
    /// Window of a new channel, and how far auto-tuning may grow it.
    uint32_t initial_window = 128 * 1024;
    uint32_t max_window = 16u << 20;
    /// A channel without a window, over its backlog bound, whose socket took no byte for this long is reset.
    std::chrono::milliseconds stuck_timeout{std::chrono::seconds(45)};
};

/// What a channel (a TCP connection, a DNS query, a UDP flow) implements to receive from the mux.
class ChannelEndpoint {
   public:
    virtual ~ChannelEndpoint() = default;
    /// A frame for this channel (never an opening command).
    virtual void on_frame(Command cmd, std::span<const uint8_t> payload) = 0;
    /// The mux has room again after wait_for_room().
    virtual void on_send_ready() {}
    /// The session ended: release the socket, send nothing more.
    virtual void on_mux_closed() = 0;
    /// The receive budget is full and this channel's socket took nothing since its backlog reached its bound.
    virtual void on_stuck() {}
};

class Mux : public std::enable_shared_from_this<Mux> {
   public:
    static constexpr std::size_t kBatchBytes = 128 * 1024;
    /// A peer that sends PINGs faster than it reads PONGs gets no more than this many unanswered at a time.
    static constexpr std::size_t kMaxPendingPongs = 16;

    static std::shared_ptr<Mux> create(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream,
                                       MuxOptions options);
    ~Mux();
    Mux(const Mux&) = delete;
    Mux& operator=(const Mux&) = delete;

    /// Opening command on a free channel (server side): TCP_CONNECT, DNS_REQ or UDP_OPEN.
    std::function<void(uint16_t channel, Command cmd, std::span<const uint8_t> payload)> on_open;
    std::function<void(std::span<const uint8_t> payload)> on_routes;
    std::function<void(std::span<const uint8_t> payload)> on_host_req;
    std::function<void(std::span<const uint8_t> payload)> on_host_list;
    /// Called once when the session ends; clean = the peer closed the stream at a frame boundary.
    std::function<void(const std::string& reason, bool clean)> on_closed;

    /// Sends the sync header (server) and PING, and starts reading.
    void start();
    /// Ends the session: cancels I/O, tells every endpoint, calls on_closed (first reason wins).
    void close(const std::string& reason, bool clean = false);
    bool is_closed() const { return closed_; }

    /// Client: the next free channel after the last one handed out, or 0 when every channel is in use.
    uint16_t allocate_channel();
    void attach(uint16_t channel, std::shared_ptr<ChannelEndpoint> endpoint);
    /// Frees the channel id; frames already queued for it are still sent in order.
    void detach(uint16_t channel);
    bool is_attached(uint16_t channel) const { return channels_.count(channel) != 0; }
    std::size_t channel_count() const { return channels_.size(); }

    /// Sends a PING of our own and times its PONG (the keepalive RTT in the client's status). While one is
    /// unanswered another is not sent, so a PONG always matches the probe it answers.
    void send_rtt_probe();
    /// The round trip of the last answered probe; nullopt before the first answer.
    std::optional<std::chrono::steady_clock::duration> last_rtt() const { return last_rtt_; }
    /// The smallest round trip of the path (at least 1 ms), once a probe was answered: the start-up PING's time
    /// also includes the peer's start, so the client probes again as soon as that one is answered.
    std::optional<std::chrono::steady_clock::duration> path_rtt() const {
        if (!last_rtt_) return std::nullopt;
        return rtt_;
    }

    /// Queues one frame; payload must be at most kMaxPayload bytes.
    void send(uint16_t channel, Command cmd, std::span<const uint8_t> payload);
    /// Queues TCP_DATA frames for any amount of data.
    void send_data(uint16_t channel, std::span<const uint8_t> data);
    /// False while the channel (or the whole mux) is over its flow-control bound.
    bool can_send(uint16_t channel) const;
    /// Calls the channel's on_send_ready() once can_send() is true again.
    void wait_for_room(uint16_t channel);
    /// The flow state of an attached channel (created by attach()), or nullptr.
    std::shared_ptr<ChannelFlow> flow(uint16_t channel) const;
    /// Bytes of TCP_DATA the channel may send now (its credit when windowed; else unlimited).
    std::size_t send_allowance(uint16_t channel) const;
    /// A TCP_DATA payload of bytes arrived for the channel's socket. False: the channel must be reset now (over
    /// its hard cap, or over its share of a full receive budget); the reason has been logged.
    bool accept_data(uint16_t channel, ChannelFlow& flow, std::size_t bytes);
    /// The channel's socket took bytes of its backlog; grants them again when windowed.
    void delivered(uint16_t channel, ChannelFlow& flow, std::size_t bytes);
    /// The channel dropped its whole backlog (reset, write failure, session end).
    void discard_backlog(ChannelFlow& flow);
    /// True when the channel's socket must keep draining or be reset after stuck_timeout.
    bool over_backlog_bound(const ChannelFlow& flow) const;
    /// True once the peer announced the extension (client) or the server itself announced it.
    bool extension_active() const { return extension_active_; }
    std::size_t receive_backlog() const { return receive_backlog_; }
    const MuxOptions& options() const { return options_; }
    /// A scratch buffer for socket reads that are sent right away (single-threaded, so shared), of
    /// limits().read_bytes.
    std::span<uint8_t> scratch() { return scratch_; }
    const FlowLimits& limits() const { return limits_; }
    boost::asio::io_context& io() { return io_; }

   private:
    struct SendQueue {
        std::deque<std::vector<uint8_t>> frames;
        std::size_t bytes = 0;
    };

    Mux(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream, MuxOptions options);
    void read_more();
    void on_read(std::size_t size);
    bool consume_sync(std::span<const uint8_t>& bytes);
    void dispatch(const FrameView& frame);
    void dispatch_control(const FrameView& frame);
    void flush();
    void fill_batch();
    void on_written(std::size_t size);
    void notify_waiting();
    void on_ping(std::span<const uint8_t> payload);
    void on_pong();
    void on_window(const FrameView& frame);
    void start_windows(uint16_t channel, ChannelFlow& flow, uint64_t send_credit);
    /// Over the receive budget: resets the stuck channels; true when it is still over (only live sockets hold it).
    bool over_receive_budget();
    /// Over its bound, no byte taken for the stuck grace: a process descheduled for a moment is not stuck.
    bool stuck_past_grace(const ChannelFlow& flow, std::chrono::steady_clock::time_point now) const;
    std::chrono::steady_clock::duration stuck_grace() const;

    boost::asio::io_context& io_;
    std::unique_ptr<stream::ByteStream> stream_;
    MuxOptions options_;
    FlowLimits limits_;
    bool started_ = false;
    bool closed_ = false;
    bool synced_ = false;
    SyncReader sync_reader_;
    FrameDecoder decoder_;
    std::vector<uint8_t> read_buffer_;
    bool reading_ = false;
    bool dispatching_ = false;                   // frames of read_buffer_ are being dispatched (on_read)
    boost::asio::steady_timer budget_timer_;     // paused over the budget: look again once a grace has passed
    bool budget_timer_armed_ = false;
    std::size_t receive_backlog_ = 0;            // sum of every live channel's backlog
    std::size_t backlogged_channels_ = 0;        // channels with a non-empty backlog
    bool extension_active_ = false;
    uint32_t peer_initial_window_ = 0;           // from the server's hello (client side)
    std::chrono::steady_clock::time_point ping_sent_at_;
    // Window auto-tuning's yardstick: the smallest round trip seen (the first PONG, then the probes delivered()
    // sends while windows are in use). A sample taken under load includes queueing, and a window grown to it only
    // adds more; the first one also includes the peer's start (12 ms measured on a 0.3 ms link).
    std::chrono::steady_clock::duration rtt_{std::chrono::milliseconds(50)};  // until the first PONG
    std::chrono::steady_clock::time_point next_rtt_probe_{};
    bool rtt_measured_ = false;
    std::unordered_map<uint16_t, std::shared_ptr<ChannelFlow>> flows_;
    std::size_t queued_pongs_ = 0;               // PONGs in control_frames_
    std::size_t batch_pongs_ = 0;                // PONGs in the unwritten write_buffer_

    std::unordered_map<uint16_t, std::shared_ptr<ChannelEndpoint>> channels_;
    uint16_t last_channel_ = 0;
    std::vector<std::weak_ptr<ChannelEndpoint>> lingering_;  // detached, maybe still draining a socket

    std::vector<uint8_t> control_frames_;  // channel 0 frames jump the queue
    std::unordered_map<uint16_t, SendQueue> queues_;
    std::deque<uint16_t> round_robin_;     // channels with queued frames, each once
    std::size_t queued_bytes_ = 0;         // in queues_ + control_frames_ + unwritten write_buffer_
    std::vector<uint8_t> write_buffer_;
    std::size_t write_offset_ = 0;
    bool writing_ = false;
    std::deque<uint16_t> waiting_;
    std::unordered_set<uint16_t> waiting_set_;
    std::vector<uint8_t> scratch_;
    std::optional<std::chrono::steady_clock::time_point> rtt_probe_sent_;
    std::optional<std::chrono::steady_clock::duration> last_rtt_;
};

}  // namespace sshuttle::mux
