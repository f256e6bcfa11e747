// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/mux.hpp"

#include <utility>

#include <boost/asio/error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mux/extension.hpp"
#include "mux/payloads.hpp"

namespace sshuttle::mux {
namespace {

constexpr std::size_t kReadBytes = 256 * 1024;
constexpr std::string_view kPingPayload = "chicken";  // what upstream sends; any payload is echoed
// Our RTT probe's payload, unlike upstream's two ("chicken", "rttest"), so only its own PONG is timed.
constexpr std::string_view kRttProbePayload = "sshuttle-rtt";
// While windows are in use, a round-trip sample at most this often (one PING and PONG: nothing next to the data).
constexpr std::chrono::seconds kRttProbeInterval{1};
// The yardstick's floor. Under load the pipeline below the mux (ssh, sshd and our two processes on this 2-core
// class of machine) takes about a millisecond to move a window even on a ~0 ms link; tuned to the 0.1-0.3 ms of
// an idle round trip, a lone bulk flow's window stayed too small (bench, -e ssh: 2.1 against 3.2 Gbit/s up).
constexpr std::chrono::steady_clock::duration kMinRtt = std::chrono::milliseconds(1);

bool is_opening(uint16_t cmd) {
    const auto c = static_cast<Command>(cmd);
    return c == Command::kTcpConnect || c == Command::kDnsReq || c == Command::kUdpOpen;
}

}  // namespace

std::shared_ptr<Mux> Mux::create(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream,
                                 MuxOptions options) {
    return std::shared_ptr<Mux>(new Mux(io, std::move(stream), options));
}

Mux::Mux(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream, MuxOptions options)
    : io_(io),
      stream_(std::move(stream)),
      options_(options),
      limits_(FlowLimits::from(options.latency_control, options.latency_buffer_size)),
      synced_(options.is_server || !options.expect_sync_header),
      read_buffer_(kReadBytes),
      budget_timer_(io),
      scratch_(limits_.read_bytes) {
    if (options_.wrap == 0) options_.wrap = 65535;
}

Mux::~Mux() {
    if (stream_) stream_->close();
}

void Mux::start() {
    if (started_ || closed_) return;
    started_ = true;
    if (options_.is_server) {
        control_frames_.insert(control_frames_.end(), kSyncHeader.begin(), kSyncHeader.end());
        queued_bytes_ += kSyncHeader.size();
    }
    // Queued now but, on the client, only written once the sync header arrived (the server's bootstrap may
    // still be reading its own input through a buffer that would swallow early bytes). Our server's first
    // PING carries the extension's hello instead of upstream's "chicken": upstream's client echoes any payload.
    if (options_.is_server && options_.extension) {
        extension_active_ = true;
        const auto hello = encode_hello({kExtensionVersion, options_.initial_window});
        send(0, Command::kPing, text_bytes(hello));
    } else {
        send(0, Command::kPing, text_bytes(kPingPayload));
    }
    ping_sent_at_ = std::chrono::steady_clock::now();
    read_more();
    flush();
}

void Mux::close(const std::string& reason, bool clean) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("mux closed: {}", reason);
    stream_->close();
    budget_timer_.cancel();
    auto channels = std::move(channels_);
    channels_.clear();
    for (auto& [id, endpoint] : channels) endpoint->on_mux_closed();
    for (auto& weak : std::exchange(lingering_, {})) {
        if (auto endpoint = weak.lock()) endpoint->on_mux_closed();
    }
    queues_.clear();
    flows_.clear();
    round_robin_.clear();
    waiting_.clear();
    waiting_set_.clear();
    auto handler = std::move(on_closed);
    // Drop every callback: they point into objects that may be destroyed right after this.
    on_open = nullptr;
    on_routes = on_host_req = on_host_list = nullptr;
    on_closed = nullptr;
    if (handler) handler(reason, clean);
}

uint16_t Mux::allocate_channel() {
    // Like upstream: continue after the last id handed out (ids are not reused at once), skip ids in use.
    const uint16_t wrap = options_.wrap;
    for (uint32_t tries = 0; tries < wrap; ++tries) {
        last_channel_ = last_channel_ >= wrap ? 1 : static_cast<uint16_t>(last_channel_ + 1);
        if (!channels_.count(last_channel_)) return last_channel_;
    }
    return 0;
}

void Mux::attach(uint16_t channel, std::shared_ptr<ChannelEndpoint> endpoint) {
    if (closed_) {
        endpoint->on_mux_closed();
        return;
    }
    channels_[channel] = std::move(endpoint);
    if (auto& flow = flows_[channel]; flow) flow->attached = false;
    flows_[channel] = std::make_shared<ChannelFlow>();
}

void Mux::detach(uint16_t channel) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    // Remembered so that close() can still stop it; expired entries are pruned as the list grows.
    if (lingering_.size() >= 1024 && lingering_.size() == lingering_.capacity()) {
        std::erase_if(lingering_, [](const auto& weak) { return weak.expired(); });
    }
    lingering_.push_back(it->second);
    channels_.erase(it);
    if (const auto flow = flows_.find(channel); flow != flows_.end()) {
        flow->second->attached = false;
        flows_.erase(flow);
    }
}

std::shared_ptr<ChannelFlow> Mux::flow(uint16_t channel) const {
    const auto it = flows_.find(channel);
    return it == flows_.end() ? nullptr : it->second;
}

void Mux::start_windows(uint16_t channel, ChannelFlow& flow, uint64_t send_credit) {
    flow.windowed = true;
    flow.send_credit = send_credit;
    flow.receive.emplace(options_.initial_window, std::max(options_.max_window, options_.initial_window),
                         std::chrono::steady_clock::now());
    spdlog::trace("channel {}: windows on, may send {} bytes, grants {}", channel, send_credit,
                  options_.initial_window);
}

std::size_t Mux::send_allowance(uint16_t channel) const {
    const auto it = flows_.find(channel);
    if (it == flows_.end() || !it->second->windowed) return SIZE_MAX;
    return static_cast<std::size_t>(it->second->send_credit);
}

bool Mux::accept_data(uint16_t channel, ChannelFlow& flow, std::size_t bytes) {
    if (flow.backlog == 0 && bytes > 0) ++backlogged_channels_;
    if (flow.backlog < limits_.channel_backlog_bytes && flow.backlog + bytes >= limits_.channel_backlog_bytes) {
        flow.quiet_since = std::chrono::steady_clock::now();
    }
    flow.backlog += bytes;
    receive_backlog_ += bytes;
    const bool within_grant = !flow.receive || flow.receive->on_received(bytes);
    // A windowed channel within its grant is bounded by its window; the others by the cap and their share.
    if (flow.windowed && within_grant) return true;
    // Past the cap a socket that took nothing for the stuck grace is stuck: waiting for the
    // time-out would only cost memory. One that is taking bytes is slow, not stuck, and one within the grace
    // may only be descheduled: the receive budget bounds both (read_more pauses, then looks again).
    const std::size_t cap = limits_.channel_backlog_cap + (flow.receive ? flow.receive->window() : 0);
    if (flow.backlog > cap && stuck_past_grace(flow, std::chrono::steady_clock::now())) {
        spdlog::warn("channel {}: {} bytes wait for a socket that takes nothing (bound {}): resetting it",
                     channel, flow.backlog, cap);
        return false;
    }
    return true;
}

bool Mux::over_receive_budget() {
    if (receive_backlog_ <= limits_.receive_backlog_bytes) return false;
    // Stuck sockets go first, so a pause below only ever waits for sockets that are draining.
    std::vector<std::shared_ptr<ChannelEndpoint>> stuck;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [channel, flow] : flows_) {
        if (!flow->windowed && flow->backlog >= limits_.channel_backlog_bytes && stuck_past_grace(*flow, now)) {
            if (const auto it = channels_.find(channel); it != channels_.end()) stuck.push_back(it->second);
        }
    }
    for (auto& endpoint : stuck) {
        if (closed_) return false;
        endpoint->on_stuck();
    }
    return receive_backlog_ > limits_.receive_backlog_bytes;
}

std::chrono::steady_clock::duration Mux::stuck_grace() const {
    return std::min<std::chrono::steady_clock::duration>(options_.stuck_timeout, std::chrono::seconds(1));
}

bool Mux::stuck_past_grace(const ChannelFlow& flow, std::chrono::steady_clock::time_point now) const {
    return now - flow.quiet_since >= stuck_grace();
}

void Mux::delivered(uint16_t channel, ChannelFlow& flow, std::size_t bytes) {
    bytes = std::min(bytes, flow.backlog);
    flow.backlog -= bytes;
    receive_backlog_ -= bytes;
    if (flow.backlog == 0 && bytes > 0) --backlogged_channels_;
    const auto now = std::chrono::steady_clock::now();
    if (bytes > 0) flow.quiet_since = now;
    // Resume at half the budget so a slow receiver does not toggle reading for every write.
    if (!reading_ && receive_backlog_ <= limits_.receive_backlog_bytes / 2) read_more();
    if (!flow.receive || !flow.attached || closed_) return;
    if (rtt_measured_ && now >= next_rtt_probe_) {
        next_rtt_probe_ = now + kRttProbeInterval;
        send_rtt_probe();
    }
    if (const uint32_t grant = flow.receive->on_delivered(bytes, now, rtt_)) {
        send(channel, static_cast<Command>(kWindowCommand), encode_window(grant));
    }
}

void Mux::discard_backlog(ChannelFlow& flow) {
    if (flow.backlog > 0) --backlogged_channels_;
    receive_backlog_ -= flow.backlog;
    flow.backlog = 0;
    if (!reading_ && receive_backlog_ <= limits_.receive_backlog_bytes / 2) read_more();
    flow.receive.reset();  // no more grants: the channel takes no more data
}

bool Mux::over_backlog_bound(const ChannelFlow& flow) const {
    return !flow.windowed && flow.backlog >= limits_.channel_backlog_bytes;
}

void Mux::send_rtt_probe() {
    if (closed_ || rtt_probe_sent_) return;
    rtt_probe_sent_ = std::chrono::steady_clock::now();
    send(0, Command::kPing, text_bytes(kRttProbePayload));
}

void Mux::send(uint16_t channel, Command cmd, std::span<const uint8_t> payload) {
    if (closed_) return;
    const std::size_t size = kHeaderSize + payload.size();
    queued_bytes_ += size;
    if (channel == 0) {
        append_frame(control_frames_, channel, cmd, payload);
    } else {
        auto& queue = queues_[channel];
        if (queue.frames.empty()) round_robin_.push_back(channel);
        queue.frames.emplace_back();
        append_frame(queue.frames.back(), channel, cmd, payload);
        queue.bytes += size;
        if (cmd == Command::kTcpData) {
            if (const auto flow = flows_.find(channel); flow != flows_.end() && flow->second->windowed) {
                auto& credit = flow->second->send_credit;
                credit -= std::min<uint64_t>(credit, payload.size());
            }
        }
        if (cmd == Command::kTcpConnect && extension_active_ && !options_.is_server) {
            // Right behind the CONNECT on the channel's own queue, so the server sees the grant before any
            // TCP_DATA and knows this channel is windowed (see docs/mux-extension.md).
            if (const auto flow = flows_.find(channel); flow != flows_.end() && !flow->second->windowed) {
                start_windows(channel, *flow->second, peer_initial_window_);
                const auto grant = encode_window(options_.initial_window);
                queue.frames.emplace_back();
                append_frame(queue.frames.back(), channel, static_cast<Command>(kWindowCommand), grant);
                queue.bytes += kHeaderSize + grant.size();
                queued_bytes_ += kHeaderSize + grant.size();
            }
        }
    }
    flush();
}

void Mux::send_data(uint16_t channel, std::span<const uint8_t> data) {
    while (!data.empty()) {
        const auto chunk = data.first(std::min(data.size(), kMaxPayload));
        send(channel, Command::kTcpData, chunk);
        data = data.subspan(chunk.size());
    }
}

bool Mux::can_send(uint16_t channel) const {
    if (closed_ || queued_bytes_ >= limits_.total_bytes) return false;
    if (send_allowance(channel) == 0) return false;
    const auto it = queues_.find(channel);
    return it == queues_.end() || it->second.bytes < limits_.per_channel_bytes;
}

void Mux::wait_for_room(uint16_t channel) {
    if (waiting_set_.insert(channel).second) waiting_.push_back(channel);
}

void Mux::read_more() {
    // Over the budget only live (draining) sockets and ones within their stuck grace hold it; stuck ones were
    // reset by over_receive_budget(), and one that stops while paused by a later look (the timer below).
    if (closed_ || reading_ || !started_ || dispatching_) return;
    if (over_receive_budget()) {
        // Paused: draining sockets resume reading (delivered), and a socket still within its grace is looked at
        // again when the grace is over, so that a stuck one is reset then instead of freezing every channel.
        if (!budget_timer_armed_ && !closed_) {
            budget_timer_armed_ = true;
            budget_timer_.expires_after(stuck_grace());
            budget_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
                self->budget_timer_armed_ = false;
                if (!ec) self->read_more();
            });
        }
        return;
    }
    if (closed_ || reading_) return;  // a reset above may have resumed reading
    reading_ = true;
    stream_->async_read_some(read_buffer_.data(), read_buffer_.size(),
                             [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                 self->reading_ = false;
                                 if (self->closed_) return;
                                 if (ec == boost::asio::error::eof) {
                                     if (self->decoder_.pending_bytes() > 0 || !self->synced_) {
                                         self->close(fmt::format("peer closed the stream inside a frame ({} "
                                                                 "bytes of a truncated frame)",
                                                                 self->decoder_.pending_bytes()));
                                     } else {
                                         self->close("peer closed the stream", true);
                                     }
                                     return;
                                 }
                                 if (ec) {
                                     self->close(fmt::format("reading from {} failed: {}",
                                                             self->stream_->describe(), ec.message()));
                                     return;
                                 }
                                 self->on_read(n);
                             });
}

bool Mux::consume_sync(std::span<const uint8_t>& bytes) {
    const auto used = sync_reader_.feed(bytes);
    bytes = bytes.subspan(used);
    if (sync_reader_.state() == SyncReader::State::kFailed) {
        close(sync_reader_.error());
        return false;
    }
    if (sync_reader_.state() == SyncReader::State::kDone) {
        synced_ = true;
        ping_sent_at_ = std::chrono::steady_clock::now();  // our PING leaves only now
        flush();
    }
    return synced_;
}

void Mux::on_read(std::size_t size) {
    auto self = shared_from_this();  // handlers below may drop the last outside reference
    std::span<const uint8_t> bytes(read_buffer_.data(), size);
    if (!synced_ && !consume_sync(bytes)) {
        if (!closed_) read_more();
        return;
    }
    // The frames are decoded in place in read_buffer_ (no copy), so no new read may go into it before they are
    // dispatched: read_more() waits for dispatching_ to end (Asio may read at once when a read is started).
    decoder_.feed_borrowed(bytes);
    dispatching_ = true;
    while (!closed_) {
        auto frame = decoder_.next();
        if (!frame) break;
        dispatch(*frame);
    }
    dispatching_ = false;
    decoder_.keep_rest();
    if (closed_) return;
    if (!decoder_.error().empty()) {
        close("protocol error: " + decoder_.error());
        return;
    }
    read_more();
}

void Mux::dispatch(const FrameView& frame) {
    spdlog::trace("< chan={} cmd={} len={}", frame.channel, command_name(frame.command), frame.payload.size());
    if (frame.command == kWindowCommand && extension_active_) {
        on_window(frame);
        return;
    }
    if (!is_known_command(frame.command)) {
        close(fmt::format("protocol error: unknown command {} on channel {}", command_name(frame.command),
                          frame.channel));
        return;
    }
    const auto cmd = static_cast<Command>(frame.command);
    if (is_opening(frame.command)) {
        if (frame.channel == 0 || channels_.count(frame.channel) || !on_open) {
            spdlog::warn("dropped {} on channel {}: {}", command_name(frame.command), frame.channel,
                         frame.channel == 0 ? "channel 0 is for control"
                         : on_open          ? "channel already in use"
                                            : "only the server opens channels");
            return;
        }
        on_open(frame.channel, cmd, frame.payload);
        return;
    }
    const auto it = channels_.find(frame.channel);
    if (it != channels_.end()) {
        if (cmd == Command::kTcpData) {
            if (const auto flow = flows_.find(frame.channel); flow != flows_.end()) flow->second->saw_data = true;
        }
        auto endpoint = it->second;  // the endpoint may detach itself while handling the frame
        endpoint->on_frame(cmd, frame.payload);
        return;
    }
    dispatch_control(frame);
}

void Mux::dispatch_control(const FrameView& frame) {
    switch (static_cast<Command>(frame.command)) {
        case Command::kPing:
            on_ping(frame.payload);
            return;
        case Command::kPong:
            on_pong();
            if (rtt_probe_sent_ && as_text(frame.payload) == kRttProbePayload) {
                last_rtt_ = std::chrono::steady_clock::now() - *rtt_probe_sent_;
                rtt_probe_sent_.reset();
                if (rtt_measured_) rtt_ = std::max(std::min(rtt_, *last_rtt_), kMinRtt);
            }
            return;
        case Command::kExit:
            close("peer sent EXIT", true);
            return;
        case Command::kRoutes:
            if (on_routes) on_routes(frame.payload);
            return;
        case Command::kHostReq:
            if (on_host_req) on_host_req(frame.payload);
            return;
        case Command::kHostList:
            if (on_host_list) on_host_list(frame.payload);
            return;
        default:
            // Normal after a close race (upstream logs the same); the peer learns nothing from a reply.
            spdlog::debug("closed channel {} got cmd={} len={}", frame.channel, command_name(frame.command),
                          frame.payload.size());
    }
}

void Mux::on_ping(std::span<const uint8_t> payload) {
    if (!options_.is_server && options_.extension && !extension_active_) {
        if (const auto hello = parse_hello(payload)) {
            // The server is ours and sent this before ROUTES, so no channel is open yet: every TCP channel
            // from now on is windowed.
            extension_active_ = true;
            peer_initial_window_ = hello->initial_window;
            spdlog::debug("the server speaks the mux extension {} (initial window {} bytes)", hello->version,
                          hello->initial_window);
        }
    }
    // Every PING is answered, but a peer that does not read its PONGs cannot make the queue grow.
    if (queued_pongs_ + batch_pongs_ >= kMaxPendingPongs) {
        spdlog::debug("PING not answered: {} PONGs are still unsent", queued_pongs_ + batch_pongs_);
        return;
    }
    ++queued_pongs_;
    send(0, Command::kPong, payload);
}

void Mux::on_pong() {
    // The first PONG answers the PING of start(): a round-trip time for window auto-tuning.
    if (rtt_measured_) return;
    rtt_measured_ = true;
    rtt_ = std::max<std::chrono::steady_clock::duration>(std::chrono::steady_clock::now() - ping_sent_at_, kMinRtt);
    spdlog::debug("round-trip time {} us", std::chrono::duration_cast<std::chrono::microseconds>(rtt_).count());
    // That time includes the server's start: a probe now times the path alone (path_rtt()).
    if (!options_.is_server) send_rtt_probe();
}

void Mux::on_window(const FrameView& frame) {
    const auto increment = parse_window(frame.payload);
    if (!increment || frame.channel == 0) {
        close(fmt::format("protocol error: bad WINDOW frame on channel {} ({} bytes of payload)", frame.channel,
                          frame.payload.size()));
        return;
    }
    const auto it = flows_.find(frame.channel);
    if (it == flows_.end()) {
        spdlog::debug("closed channel {} got WINDOW +{}", frame.channel, *increment);
        return;
    }
    auto& flow = *it->second;
    if (!flow.windowed) {
        // The server learns that a channel is windowed from the client's first grant, sent before any data.
        if (!options_.is_server || flow.saw_data) {
            spdlog::debug("channel {}: WINDOW for a channel without windows ignored", frame.channel);
            return;
        }
        start_windows(frame.channel, flow, *increment);
    } else {
        // Saturating: a hostile peer cannot overflow it, and more credit than the cap is never needed.
        flow.send_credit = std::min<uint64_t>(flow.send_credit + *increment, 2ull * kMaxWindow);
    }
    if (waiting_set_.count(frame.channel)) notify_waiting();
}

void Mux::fill_batch() {
    write_buffer_.clear();
    write_offset_ = 0;
    batch_pongs_ = std::exchange(queued_pongs_, 0);
    write_buffer_.swap(control_frames_);
    while (write_buffer_.size() < kBatchBytes && !round_robin_.empty()) {
        const uint16_t channel = round_robin_.front();
        round_robin_.pop_front();
        auto& queue = queues_[channel];
        auto& frame = queue.frames.front();
        write_buffer_.insert(write_buffer_.end(), frame.begin(), frame.end());
        queue.bytes -= frame.size();
        queue.frames.pop_front();
        if (queue.frames.empty()) {
            queues_.erase(channel);
        } else {
            round_robin_.push_back(channel);
        }
    }
}

void Mux::flush() {
    if (closed_ || writing_ || !started_ || !synced_) return;
    if (write_offset_ >= write_buffer_.size()) fill_batch();
    if (write_buffer_.empty()) return;
    writing_ = true;
    stream_->async_write_some(write_buffer_.data() + write_offset_, write_buffer_.size() - write_offset_,
                              [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                  self->writing_ = false;
                                  if (self->closed_) return;
                                  if (ec) {
                                      self->close(fmt::format("writing to {} failed: {}",
                                                              self->stream_->describe(), ec.message()));
                                      return;
                                  }
                                  self->on_written(n);
                              });
}

void Mux::on_written(std::size_t size) {
    write_offset_ += size;
    queued_bytes_ -= size;
    if (write_offset_ >= write_buffer_.size()) batch_pongs_ = 0;
    flush();
    notify_waiting();
}

void Mux::notify_waiting() {
    auto self = shared_from_this();
    // One pass over the channels waiting now, in arrival order, so room is shared fairly.
    for (std::size_t n = waiting_.size(); n > 0 && !closed_ && queued_bytes_ < limits_.total_bytes; --n) {
        const uint16_t channel = waiting_.front();
        waiting_.pop_front();
        const auto it = channels_.find(channel);
        if (it == channels_.end()) {
            waiting_set_.erase(channel);
        } else if (can_send(channel)) {
            waiting_set_.erase(channel);
            auto endpoint = it->second;
            endpoint->on_send_ready();
        } else {
            waiting_.push_back(channel);
        }
    }
}

}  // namespace sshuttle::mux
