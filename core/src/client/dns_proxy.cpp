// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/dns_proxy.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "client/caught_datagrams.hpp"
#include "net/sockaddr.hpp"

namespace sshuttle::client {
namespace {

using boost::asio::ip::udp;

// Datagrams read per readiness event before the loop serves others; the rest wait for the next turn.
constexpr int kReadsPerTurn = 256;

std::string describe(const udp::endpoint& ep) { return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port()); }

/// One query in flight on its own channel: the answer, or the expiry, frees the channel.
class DnsQuery : public mux::ChannelEndpoint, public std::enable_shared_from_this<DnsQuery> {
   public:
    DnsQuery(std::weak_ptr<DnsProxy> proxy, std::shared_ptr<mux::Mux> mux, uint16_t channel, udp::endpoint client,
             udp::endpoint nameserver)
        : proxy_(std::move(proxy)),
          mux_(std::move(mux)),
          channel_(channel),
          client_(client),
          nameserver_(nameserver),
          timer_(mux_->io()) {}

    void arm(std::chrono::steady_clock::duration expiry) {
        timer_.expires_after(expiry);
        timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->done_) return;
            spdlog::debug("DNS query from {} on channel {}: no answer, expired", describe(self->client_), self->channel_);
            self->finish();
        });
    }

    void on_frame(mux::Command cmd, std::span<const uint8_t> payload) override {
        if (done_) return;
        if (cmd != mux::Command::kDnsResponse) {
            spdlog::debug("DNS channel {}: unexpected {} ignored", channel_, mux::command_name(static_cast<uint16_t>(cmd)));
            return;
        }
        if (auto proxy = proxy_.lock()) proxy->reply(client_, nameserver_, payload);
        finish();
    }

    void on_mux_closed() override {
        done_ = true;
        timer_.cancel();
    }

   private:
    void finish() {
        done_ = true;
        timer_.cancel();
        mux_->detach(channel_);
    }

    std::weak_ptr<DnsProxy> proxy_;
    std::shared_ptr<mux::Mux> mux_;
    uint16_t channel_;
    udp::endpoint client_;
    udp::endpoint nameserver_;
    boost::asio::steady_timer timer_;
    bool done_ = false;
};

udp protocol_of(int fd) {
    return net::socket_family(fd) == net::Family::kIPv6 ? udp::v6() : udp::v4();
}

}  // namespace

std::shared_ptr<DnsProxy> DnsProxy::create(std::shared_ptr<mux::Mux> mux, int udp_fd,
                                           std::chrono::steady_clock::duration expiry,
                                           std::optional<TransparentUdp> transparent) {
    return std::shared_ptr<DnsProxy>(new DnsProxy(std::move(mux), udp_fd, expiry, std::move(transparent)));
}

DnsProxy::DnsProxy(std::shared_ptr<mux::Mux> mux, int udp_fd, std::chrono::steady_clock::duration expiry,
                   std::optional<TransparentUdp> transparent)
    : mux_(std::move(mux)),
      socket_(mux_->io(), protocol_of(udp_fd), udp_fd),
      expiry_(expiry),
      // A query may be as large as a mux frame: EDNS and DNSSEC queries can exceed upstream's 4096 bytes.
      buffer_(mux::kMaxPayload),
      transparent_(std::move(transparent)) {
    socket_.non_blocking(true);
}

DnsProxy::~DnsProxy() = default;

void DnsProxy::start() { wait_readable(); }

void DnsProxy::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
}

void DnsProxy::wait_readable() {
    if (stopped_) return;
    socket_.async_wait(udp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->stopped_) return;
        self->drain();
    });
}

bool DnsProxy::read_one(udp::endpoint& from, udp::endpoint& to, std::size_t& size) {
    if (transparent_) {
        auto datagram = transparent_->receive(socket_.native_handle(), buffer_);
        if (!datagram) return false;
        from = datagram->source;
        to = datagram->destination;
        size = datagram->size;
        return true;
    }
    socklen_t from_len = static_cast<socklen_t>(from.capacity());
    // MSG_TRUNC: the real size, so that a datagram too large for one frame is dropped instead of cut.
    const ssize_t n =
        ::recvfrom(socket_.native_handle(), buffer_.data(), buffer_.size(), MSG_TRUNC, from.data(), &from_len);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        throw std::system_error(errno, std::generic_category(), "recvfrom");
    }
    from.resize(from_len);
    to = socket_.local_endpoint();
    size = static_cast<std::size_t>(n);
    return true;
}

void DnsProxy::drain() {
    for (int i = 0; i < kReadsPerTurn; ++i) {
        udp::endpoint from, to;
        std::size_t size = 0;
        try {
            if (!read_one(from, to, size)) break;
        } catch (const std::exception& e) {
            // ICMP errors from earlier replies show up here (ECONNREFUSED and friends): per query, not fatal.
            spdlog::debug("DNS listener: {}", e.what());
            continue;
        }
        if (size > buffer_.size()) {
            spdlog::warn("dropped a {}-byte DNS query from {}: larger than one mux frame", size, describe(from));
            continue;
        }
        if (size == 0) continue;
        forward(from, to, std::span<const uint8_t>(buffer_.data(), size));
    }
    wait_readable();
}

void DnsProxy::forward(const udp::endpoint& from, const udp::endpoint& to, std::span<const uint8_t> query) {
    if (mux_->is_closed()) return;
    const uint16_t channel = mux_->allocate_channel();
    if (channel == 0) {
        spdlog::warn("too many open channels; dropped a DNS query from {}", describe(from));
        return;
    }
    spdlog::debug("DNS query from {} to {}: {} bytes on channel {}", describe(from), describe(to), query.size(),
                  channel);
    auto endpoint = std::make_shared<DnsQuery>(weak_from_this(), mux_, channel, from, to);
    mux_->attach(channel, endpoint);
    endpoint->arm(expiry_);
    mux_->send(channel, mux::Command::kDnsReq, query);
    ++queries_;
}

void DnsProxy::reply(const udp::endpoint& to, const udp::endpoint& nameserver, std::span<const uint8_t> answer) {
    if (stopped_) return;
    if (transparent_) {
        reply_transparent(to, nameserver, answer);
        return;
    }
    boost::system::error_code ec;
    socket_.send_to(boost::asio::buffer(answer.data(), answer.size()), to, 0, ec);
    // A full socket buffer or a vanished client loses this answer only; the application will retry.
    if (ec) spdlog::debug("DNS answer to {} lost: {}", describe(to), ec.message());
}

void DnsProxy::reply_transparent(const udp::endpoint& to, const udp::endpoint& nameserver,
                                 std::span<const uint8_t> answer) {
    // While it existed, the reply socket caught queries to this nameserver: this application's next one (the
    // method's "socket" rule delivers to it) and, before its connect(), any other application's. Each is
    // forwarded for its own sender instead of being lost.
    std::vector<uint8_t> caught(mux::kMaxPayload);
    try {
        send_reply_once(*transparent_, nameserver, to, answer, caught,
                        [&](const udp::endpoint& sender, std::span<const uint8_t> query) {
                            if (!query.empty()) forward(sender, nameserver, query);
                            return true;
                        });
    } catch (const std::exception& e) {
        spdlog::debug("DNS answer to {} lost: {}", describe(to), e.what());
    }
}

}  // namespace sshuttle::client
