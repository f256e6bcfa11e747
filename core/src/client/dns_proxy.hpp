// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's DNS redirector: queries the firewall redirected to our UDP socket go to the server one channel
// each (DNS_REQ); the DNS_RESPONSE goes back with sendto to whoever asked. With nat/nft REDIRECT, conntrack
// rewrites the reply's source back to the nameserver the application addressed. A query without an answer
// frees its channel after 30 s; no single query's failure affects the others or the session.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "mux/mux.hpp"

namespace sshuttle::client {

class DnsProxy : public std::enable_shared_from_this<DnsProxy> {
   public:
    static constexpr auto kExpiry = std::chrono::seconds(30);  // upstream's DNS channel timeout

    /// Takes ownership of a bound, non-blocking UDP socket. Call start() to serve.
    static std::shared_ptr<DnsProxy> create(std::shared_ptr<mux::Mux> mux, int udp_fd,
                                            std::chrono::steady_clock::duration expiry = kExpiry);
    ~DnsProxy();
    DnsProxy(const DnsProxy&) = delete;
    DnsProxy& operator=(const DnsProxy&) = delete;

    void start();
    /// Closes the socket; queries still in flight are dropped when their answer or expiry comes.
    void stop();

    /// Sends one answer to the application that asked (from the query endpoints).
    void reply(const boost::asio::ip::udp::endpoint& to, std::span<const uint8_t> answer);

   private:
    DnsProxy(std::shared_ptr<mux::Mux> mux, int udp_fd, std::chrono::steady_clock::duration expiry);
    void wait_readable();
    void drain();
    void forward(const boost::asio::ip::udp::endpoint& from, std::span<const uint8_t> query);

    std::shared_ptr<mux::Mux> mux_;
    boost::asio::ip::udp::socket socket_;
    std::chrono::steady_clock::duration expiry_;
    std::vector<uint8_t> buffer_;
    bool stopped_ = false;
};

}  // namespace sshuttle::client
