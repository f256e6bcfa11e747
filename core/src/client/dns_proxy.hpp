// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's DNS redirector: queries the firewall redirected to our UDP socket go to the server one channel
// each (DNS_REQ); the DNS_RESPONSE goes back with sendto to whoever asked. With nat/nft REDIRECT, conntrack
// rewrites the reply's source back to the nameserver the application addressed; with a transparent method
// (tproxy) the original destination comes with each query and the answer leaves from a socket bound to that
// nameserver address (TransparentUdp). A query without an answer
// frees its channel after 30 s; no single query's failure affects the others or the session.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "client/transparent_udp.hpp"
#include "mux/mux.hpp"

namespace sshuttle::client {

class DnsProxy : public std::enable_shared_from_this<DnsProxy> {
   public:
    static constexpr auto kExpiry = std::chrono::seconds(30);  // upstream's DNS channel timeout

    /// Takes ownership of a bound, non-blocking UDP socket. Call start() to serve.
    static std::shared_ptr<DnsProxy> create(std::shared_ptr<mux::Mux> mux, int udp_fd,
                                            std::chrono::steady_clock::duration expiry = kExpiry,
                                            std::optional<TransparentUdp> transparent = std::nullopt);
    ~DnsProxy();
    DnsProxy(const DnsProxy&) = delete;
    DnsProxy& operator=(const DnsProxy&) = delete;

    void start();
    /// Closes the socket; queries still in flight are dropped when their answer or expiry comes.
    void stop();
    /// Queries forwarded to the server so far (the client's status).
    uint64_t queries() const { return queries_; }

    /// Sends one answer to the application that asked (from the query endpoints); `nameserver` is where the
    /// query was going, the source of the answer with a transparent method.
    void reply(const boost::asio::ip::udp::endpoint& to, const boost::asio::ip::udp::endpoint& nameserver,
               std::span<const uint8_t> answer);

   private:
    DnsProxy(std::shared_ptr<mux::Mux> mux, int udp_fd, std::chrono::steady_clock::duration expiry,
             std::optional<TransparentUdp> transparent);
    void wait_readable();
    void drain();
    /// Reads one query; false when none is waiting.
    bool read_one(boost::asio::ip::udp::endpoint& from, boost::asio::ip::udp::endpoint& to, std::size_t& size);
    void forward(const boost::asio::ip::udp::endpoint& from, const boost::asio::ip::udp::endpoint& to,
                 std::span<const uint8_t> query);
    void reply_transparent(const boost::asio::ip::udp::endpoint& to, const boost::asio::ip::udp::endpoint& nameserver,
                           std::span<const uint8_t> answer);

    std::shared_ptr<mux::Mux> mux_;
    boost::asio::ip::udp::socket socket_;
    std::chrono::steady_clock::duration expiry_;
    std::vector<uint8_t> buffer_;
    std::optional<TransparentUdp> transparent_;
    bool stopped_ = false;
    uint64_t queries_ = 0;
};

}  // namespace sshuttle::client
