// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/udp_proxy.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "client/caught_datagrams.hpp"
#include "mux/payloads.hpp"
#include "net/sockaddr.hpp"

namespace sshuttle::client {
namespace {

using boost::asio::ip::udp;

// Datagrams read per readiness event before the loop serves others; the rest wait for the next turn.
constexpr int kReadsPerTurn = 256;
// A UDP payload is at most 65535 - 8 bytes; one more byte tells a cut datagram from a full one.
constexpr std::size_t kBufferBytes = 65536;

std::string describe(const udp::endpoint& ep) { return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port()); }

udp protocol_of(int fd) {
    return net::socket_family(fd) == net::Family::kIPv6 ? udp::v6() : udp::v4();
}

}  // namespace

/// One flow (source, original destination) on its own channel.
class UdpClientFlow : public mux::ChannelEndpoint, public std::enable_shared_from_this<UdpClientFlow> {
   public:
    UdpClientFlow(std::weak_ptr<UdpProxy> proxy, std::shared_ptr<mux::Mux> mux, uint16_t channel,
                  UdpProxy::FlowKey key, TransparentUdp udp, std::chrono::steady_clock::duration expiry)
        : proxy_(std::move(proxy)),
          mux_(std::move(mux)),
          channel_(channel),
          key_(std::move(key)),
          udp_(std::move(udp)),
          expiry_(expiry),
          timer_(mux_->io()),
          socket_(mux_->io()) {}

    void start() {
        mux_->attach(channel_, shared_from_this());
        const std::string family = std::to_string(mux::wire_family(destination().address()));
        mux_->send(channel_, mux::Command::kUdpOpen, mux::text_bytes(family));
        try {
            // From now on the application's datagrams to this destination come here, not to the listener.
            const int fd = udp_.open_reply(destination(), &source());
            socket_.assign(destination().protocol(), fd);
            wait_readable();
        } catch (const std::exception& e) {
            // Without its own socket the flow still works: datagrams keep arriving on the listener and each
            // reply gets a socket of its own.
            spdlog::debug("UDP flow {} -> {}: no flow socket ({})", describe(source()), describe(destination()),
                          e.what());
        }
        touch();
        arm();
    }

    /// A datagram from the application to the destination.
    void send_up(std::span<const uint8_t> data) {
        if (done_) return;
        touch();
        if (!mux_->can_send(channel_)) {
            spdlog::trace("UDP channel {}: tunnel busy, dropped {} bytes", channel_, data.size());
            return;
        }
        auto payload = mux::format_udp_data(destination().address(), destination().port(), data);
        if (payload.size() > mux::kMaxPayload) {
            spdlog::warn("dropped a {}-byte UDP datagram to {}: larger than one mux frame", data.size(),
                         describe(destination()));
            return;
        }
        mux_->send(channel_, mux::Command::kUdpData, payload);
    }

    void on_frame(mux::Command cmd, std::span<const uint8_t> payload) override {
        if (done_) return;
        if (cmd != mux::Command::kUdpData) {
            spdlog::debug("UDP channel {}: unexpected {} ignored", channel_,
                          mux::command_name(static_cast<uint16_t>(cmd)));
            return;
        }
        std::string error;
        auto datagram = mux::parse_udp_data(payload, error);
        if (!datagram) {
            spdlog::warn("UDP channel {}: {}", channel_, error);
            return;
        }
        touch();
        const udp::endpoint from(datagram->address, datagram->port);
        try {
            if (from == destination() && socket_.is_open()) {
                boost::system::error_code ec;
                socket_.send(boost::asio::buffer(datagram->data.data(), datagram->data.size()), 0, ec);
                if (ec) spdlog::debug("UDP reply to {} lost: {}", describe(source()), ec.message());
            } else {
                // A reply from another address (e.g. a server answering from another port) goes through a socket of
                // its own. The datagram is sent before anything caught is delivered, so buffer_ is free for those.
                send_reply_once(udp_, from, source(), datagram->data, buffer_,
                                [this, from](const udp::endpoint& sender, std::span<const uint8_t> data) {
                                    hand_over(sender, from, data);
                                    return true;
                                });
            }
        } catch (const std::exception& e) {
            spdlog::debug("UDP reply from {} to {} lost: {}", describe(from), describe(source()), e.what());
        }
    }

    void on_mux_closed() override { close_socket(); }

    void stop() {
        if (done_) return;
        close_socket();
        mux_->detach(channel_);
    }

   private:
    const udp::endpoint& source() const { return key_.first; }
    const udp::endpoint& destination() const { return key_.second; }
    void touch() { last_activity_ = std::chrono::steady_clock::now(); }

    void arm() {
        timer_.expires_at(last_activity_ + expiry_);
        timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->done_) return;
            if (std::chrono::steady_clock::now() < self->last_activity_ + self->expiry_) {
                self->arm();  // traffic since the timer was set: wait for the rest of the idle time
                return;
            }
            spdlog::debug("UDP flow {} -> {} on channel {}: idle, closed", describe(self->source()),
                          describe(self->destination()), self->channel_);
            self->mux_->send(self->channel_, mux::Command::kUdpClose, {});
            self->stop();
            if (auto proxy = self->proxy_.lock()) proxy->forget(self->key_);
        });
    }

    void wait_readable() {
        socket_.async_wait(udp::socket::wait_read, [weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->done_) return;
            self->drain();
        });
    }

    void drain() {
        // Keep this flow alive while a datagram handed to the proxy may create flows and end others.
        auto self = shared_from_this();
        read_caught_datagrams(socket_.native_handle(), buffer_,
                              [this](const udp::endpoint& sender, std::span<const uint8_t> data) {
                                  if (sender == source()) send_up(data);
                                  else hand_over(sender, destination(), data);  // caught before connect()
                                  return !done_;  // closed meanwhile: its descriptor is gone
                              }, kReadsPerTurn);
        if (!done_) wait_readable();
    }

    /// A datagram from another application that this flow's socket caught: the proxy routes it to its own flow.
    void hand_over(const udp::endpoint& sender, const udp::endpoint& to, std::span<const uint8_t> data) {
        spdlog::debug("UDP flow {} -> {}: passing on a datagram from {} that its socket caught",
                      describe(source()), describe(destination()), describe(sender));
        if (auto proxy = proxy_.lock()) proxy->deliver(sender, to, data);
    }

    void close_socket() {
        done_ = true;
        timer_.cancel();
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

    std::weak_ptr<UdpProxy> proxy_;
    std::shared_ptr<mux::Mux> mux_;
    uint16_t channel_;
    UdpProxy::FlowKey key_;
    TransparentUdp udp_;
    std::chrono::steady_clock::duration expiry_;
    boost::asio::steady_timer timer_;
    udp::socket socket_;
    // One receive buffer for every flow: the loop is single-threaded and each datagram is copied into a mux frame
    // before the next receive, while a buffer per flow would cost 64 KiB for each of up to 65535 flows.
    static inline std::vector<uint8_t> buffer_ = std::vector<uint8_t>(kBufferBytes);
    std::chrono::steady_clock::time_point last_activity_;
    bool done_ = false;
};

std::shared_ptr<UdpProxy> UdpProxy::create(std::shared_ptr<mux::Mux> mux, int udp_fd, TransparentUdp udp,
                                           std::chrono::steady_clock::duration expiry) {
    return std::shared_ptr<UdpProxy>(new UdpProxy(std::move(mux), udp_fd, std::move(udp), expiry));
}

UdpProxy::UdpProxy(std::shared_ptr<mux::Mux> mux, int udp_fd, TransparentUdp udp,
                   std::chrono::steady_clock::duration expiry)
    : mux_(std::move(mux)),
      socket_(mux_->io(), protocol_of(udp_fd), udp_fd),
      udp_(std::move(udp)),
      expiry_(expiry),
      buffer_(kBufferBytes) {
    socket_.non_blocking(true);
    boost::system::error_code ignored;
    own_address_ = socket_.local_endpoint(ignored);
}

UdpProxy::~UdpProxy() { stop(); }

void UdpProxy::start() { wait_readable(); }

void UdpProxy::stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    auto flows = std::move(flows_);
    flows_.clear();
    for (auto& [key, flow] : flows) flow->stop();
}

void UdpProxy::forget(const FlowKey& key) { flows_.erase(key); }

void UdpProxy::wait_readable() {
    if (stopped_) return;
    socket_.async_wait(udp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->stopped_) return;
        self->drain();
    });
}

void UdpProxy::drain() {
    for (int i = 0; i < kReadsPerTurn && !stopped_; ++i) {
        std::optional<CapturedDatagram> datagram;
        try {
            datagram = udp_.receive(socket_.native_handle(), buffer_);
        } catch (const std::exception& e) {
            // ICMP errors from earlier replies show up here: per datagram, not fatal.
            spdlog::debug("UDP listener: {}", e.what());
            continue;
        }
        if (!datagram) break;
        if (datagram->size > buffer_.size()) {
            spdlog::warn("dropped a {}-byte UDP datagram from {}: too large", datagram->size,
                         describe(datagram->source));
            continue;
        }
        deliver(datagram->source, datagram->destination,
                std::span<const uint8_t>(buffer_.data(), datagram->size));
    }
    wait_readable();
}

void UdpProxy::deliver(const udp::endpoint& source, const udp::endpoint& destination, std::span<const uint8_t> data) {
    if (mux_->is_closed()) return;
    if (destination == own_address_) {
        // Sent to the listener itself, or the kernel gave no original destination: it would loop.
        spdlog::debug("dropped a UDP datagram from {} to the listener itself", describe(source));
        return;
    }
    FlowKey key{source, destination};
    auto it = flows_.find(key);
    if (it == flows_.end()) {
        const uint16_t channel = mux_->allocate_channel();
        if (channel == 0) {
            spdlog::warn("too many open channels; dropped a UDP datagram from {}", describe(source));
            return;
        }
        spdlog::debug("UDP flow {} -> {} on channel {}", describe(source), describe(destination), channel);
        auto flow = std::make_shared<UdpClientFlow>(weak_from_this(), mux_, channel, key, udp_, expiry_);
        it = flows_.emplace(key, flow).first;
        flow->start();
    }
    it->second->send_up(data);
}

}  // namespace sshuttle::client
