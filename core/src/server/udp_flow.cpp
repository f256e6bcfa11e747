// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/udp_flow.hpp"

#include <sys/socket.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "mux/payloads.hpp"

namespace sshuttle::server {
namespace {

// Room for the largest UDP payload plus the "ip,port," prefix within one frame.
constexpr std::size_t kMaxDatagram = mux::kMaxPayload - 64;
constexpr int kDatagramsPerWake = 64;

}  // namespace

void UdpFlow::start(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> payload,
                    uint32_t mark) {
    auto self = std::shared_ptr<UdpFlow>(new UdpFlow(mux, channel));
    mux->attach(channel, self);
    const auto family = mux::as_text(payload);
    boost::system::error_code ec;
    self->is_v6_ = family != "2";
    self->socket_.open(!self->is_v6_ ? boost::asio::ip::udp::v4() : boost::asio::ip::udp::v6(), ec);
    if (ec) {
        spdlog::warn("UDP_OPEN on channel {} (family '{}') failed: {}", channel, family, ec.message());
        self->finish();
        return;
    }
    if (mark != 0) ::setsockopt(self->socket_.native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof mark);
    self->socket_.non_blocking(true, ec);
    self->receive();
}

UdpFlow::UdpFlow(std::shared_ptr<mux::Mux> mux, uint16_t channel)
    : mux_(mux), channel_(channel), socket_(mux->io()) {}

// Waits for datagrams, then reads them into the mux's shared scratch buffer: a flow holds no 64 KiB buffer of
// its own while it waits (a server may have thousands of flows).
void UdpFlow::receive() {
    socket_.async_wait(boost::asio::ip::udp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (self->done_ || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
            spdlog::debug("UDP channel {}: {}", self->channel_, ec.message());
            return;
        }
        self->relay_waiting();
        if (!self->done_) self->receive();
    });
}

void UdpFlow::relay_waiting() {
    const auto scratch = mux_->scratch();
    const auto buffer = boost::asio::buffer(scratch.data(), std::min(scratch.size(), kMaxDatagram));
    // A bounded batch per wake-up, so that one busy flow does not hold up the rest of the server.
    for (int i = 0; i < kDatagramsPerWake; ++i) {
        boost::system::error_code ec;
        const std::size_t n = socket_.receive_from(buffer, sender_, 0, ec);
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) return;
        if (ec) {
            // ICMP errors (port unreachable) show up here; they are per datagram, keep the flow.
            spdlog::debug("UDP channel {}: {}", channel_, ec.message());
            return;
        }
        auto from = sender_.address();
        if (from.is_v6() && from.to_v6().is_v4_mapped()) {
            from = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, from.to_v6());
        }
        if (!mux_->can_send(channel_)) {
            // UDP may be lost: under back-pressure drop the datagram rather than queue without bound.
            spdlog::trace("UDP channel {}: tunnel busy, dropped {} bytes", channel_, n);
            continue;
        }
        mux_->send(channel_, mux::Command::kUdpData,
                   mux::format_udp_data(from, sender_.port(), std::span<const uint8_t>(scratch.data(), n)));
    }
}

void UdpFlow::on_frame(mux::Command cmd, std::span<const uint8_t> payload) {
    if (cmd == mux::Command::kUdpClose) {
        finish();
        return;
    }
    if (cmd != mux::Command::kUdpData) {
        spdlog::debug("UDP channel {}: unexpected {} ignored", channel_, mux::command_name(static_cast<uint16_t>(cmd)));
        return;
    }
    std::string error;
    auto datagram = mux::parse_udp_data(payload, error);
    if (!datagram) {
        spdlog::warn("UDP channel {}: {}", channel_, error);
        return;
    }
    auto destination = boost::asio::ip::udp::endpoint(datagram->address, datagram->port);
    if (is_v6_ && datagram->address.is_v4()) {
        // An IPv6 socket reaches IPv4 destinations through a mapped address.
        destination.address(boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, datagram->address.to_v4()));
    }
    boost::system::error_code ec;
    socket_.send_to(boost::asio::buffer(datagram->data.data(), datagram->data.size()), destination, 0, ec);
    if (ec) spdlog::debug("UDP channel {}: send to {} failed: {}", channel_, destination.address().to_string(), ec.message());
}

void UdpFlow::finish() {
    done_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    mux_->detach(channel_);
}

void UdpFlow::on_mux_closed() {
    done_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
}

}  // namespace sshuttle::server
