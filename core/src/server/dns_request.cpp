// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/dns_request.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace sshuttle::server {
namespace {

constexpr std::size_t kMaxReply = 65535;  // upstream reads 4096 and truncates; EDNS replies can be larger

std::size_t random_index(std::size_t size) {
    static std::minstd_rand generator{std::random_device{}()};
    return std::uniform_int_distribution<std::size_t>(0, size - 1)(generator);
}

}  // namespace

void DnsRequest::start(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> query,
                       std::vector<boost::asio::ip::udp::endpoint> servers, uint32_t mark) {
    auto self = std::shared_ptr<DnsRequest>(new DnsRequest(mux, channel, query, std::move(servers), mark));
    mux->attach(channel, self);
    self->try_next();
}

DnsRequest::DnsRequest(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> query,
                       std::vector<boost::asio::ip::udp::endpoint> servers, uint32_t mark)
    : mux_(mux),
      channel_(channel),
      query_(query.begin(), query.end()),
      servers_(std::move(servers)),
      mark_(mark),
      socket_(mux->io()),
      timer_(mux->io()) {}

void DnsRequest::try_next() {
    if (done_) return;
    if (tries_++ >= kTries || servers_.empty()) {
        spdlog::info("DNS request on channel {}: no reply after {} tries", channel_, kTries);
        finish();
        return;
    }
    const auto server = servers_[random_index(servers_.size())];
    boost::system::error_code ec;
    socket_.close(ec);
    socket_.open(server.protocol(), ec);
    if (!ec && mark_ != 0) ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_MARK, &mark_, sizeof mark_);
    // connect() filters replies to this server; its errors (ENETUNREACH, upstream #386) are per query.
    if (!ec) socket_.connect(server, ec);
    if (!ec) socket_.send(boost::asio::buffer(query_), 0, ec);
    if (ec) {
        spdlog::info("DNS request to {}:{} failed: {}", server.address().to_string(), server.port(), ec.message());
        try_next();
        return;
    }
    socket_.non_blocking(true, ec);
    wait_reply();
    timer_.expires_after(kTryTimeout);
    timer_.async_wait([self = shared_from_this(), this](boost::system::error_code ec) {
        if (ec || done_) return;
        socket_.cancel(ec);
        try_next();
    });
}

// Waits for the reply, then reads it into the mux's shared scratch buffer: a pending request holds no 64 KiB
// buffer of its own (a server may have thousands waiting on slow nameservers).
void DnsRequest::wait_reply() {
    socket_.async_wait(boost::asio::ip::udp::socket::wait_read,
                       [self = shared_from_this(), this](boost::system::error_code ec) {
        if (done_ || ec == boost::asio::error::operation_aborted) return;
        const auto scratch = mux_->scratch();
        std::size_t n = 0;
        if (!ec) n = socket_.receive(boost::asio::buffer(scratch.data(), std::min(scratch.size(), kMaxReply)), 0, ec);
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            wait_reply();
            return;
        }
        if (ec) {
            spdlog::debug("DNS reply on channel {}: {}", channel_, ec.message());
            boost::asio::post(mux_->io(), [self] { self->try_next(); });
            return;
        }
        mux_->send(channel_, mux::Command::kDnsResponse, scratch.first(n));
        finish();
    });
}

void DnsRequest::finish() {
    if (done_) return;
    done_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    mux_->detach(channel_);
}

void DnsRequest::on_frame(mux::Command cmd, std::span<const uint8_t> /*payload*/) {
    spdlog::debug("DNS channel {}: unexpected {} ignored", channel_, mux::command_name(static_cast<uint16_t>(cmd)));
}

void DnsRequest::on_mux_closed() {
    done_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
}

}  // namespace sshuttle::server
