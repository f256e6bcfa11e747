// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/udp_flow.hpp"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "mux/payloads.hpp"

namespace sshuttle::server {
namespace {

// Room for the largest UDP payload plus the "ip,port," prefix within one frame.
constexpr std::size_t kMaxDatagram = mux::kMaxPayload - 64;

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
    self->receive();
}

UdpFlow::UdpFlow(std::shared_ptr<mux::Mux> mux, uint16_t channel)
    : mux_(mux), channel_(channel), socket_(mux->io()), buffer_(kMaxDatagram) {}

void UdpFlow::receive() {
    socket_.async_receive_from(
        boost::asio::buffer(buffer_), sender_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (self->done_) return;
            if (ec) {
                // ICMP errors (port unreachable) show up here; they are per datagram, keep the flow.
                spdlog::debug("UDP channel {}: {}", self->channel_, ec.message());
            } else {
                auto from = self->sender_.address();
                if (from.is_v6() && from.to_v6().is_v4_mapped()) {
                    from = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, from.to_v6());
                }
                if (!self->mux_->can_send(self->channel_)) {
                    // UDP may be lost: under back-pressure drop the datagram rather than queue without bound.
                    spdlog::trace("UDP channel {}: tunnel busy, dropped {} bytes", self->channel_, n);
                } else {
                    auto data = mux::format_udp_data(from, self->sender_.port(),
                                                     std::span<const uint8_t>(self->buffer_.data(), n));
                    self->mux_->send(self->channel_, mux::Command::kUdpData, data);
                }
            }
            self->receive();
        });
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
