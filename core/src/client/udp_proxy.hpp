// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's UDP redirector (tproxy): datagrams captured on a transparent listener are grouped into flows by
// (source, original destination); each flow is one mux channel (UDP_OPEN, then UDP_DATA both ways) that ends
// after kExpiry without traffic (UDP_CLOSE), as upstream. A flow answers from its original destination through a
// socket bound there and connected to the application, which from then on also receives the flow's datagrams
// (the method's "socket" rule finds it). Under back-pressure datagrams are dropped, never queued without bound.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "client/transparent_udp.hpp"
#include "mux/mux.hpp"

namespace sshuttle::client {

class UdpClientFlow;

class UdpProxy : public std::enable_shared_from_this<UdpProxy> {
   public:
    static constexpr auto kExpiry = std::chrono::seconds(30);  // upstream's UDP channel timeout

    /// Takes ownership of a bound, non-blocking transparent UDP socket. Call start() to serve.
    static std::shared_ptr<UdpProxy> create(std::shared_ptr<mux::Mux> mux, int udp_fd, TransparentUdp udp,
                                            std::chrono::steady_clock::duration expiry = kExpiry);
    ~UdpProxy();
    UdpProxy(const UdpProxy&) = delete;
    UdpProxy& operator=(const UdpProxy&) = delete;

    void start();
    /// Closes the listener and every flow.
    void stop();
    std::size_t flow_count() const { return flows_.size(); }

    using FlowKey = std::pair<boost::asio::ip::udp::endpoint, boost::asio::ip::udp::endpoint>;  // source, dest
    /// A flow calls this when it has ended (expiry or a mux error).
    void forget(const FlowKey& key);

   private:
    friend class UdpClientFlow;  // hands back datagrams its socket caught for other flows (deliver)

    UdpProxy(std::shared_ptr<mux::Mux> mux, int udp_fd, TransparentUdp udp,
             std::chrono::steady_clock::duration expiry);
    void wait_readable();
    void drain();
    void deliver(const boost::asio::ip::udp::endpoint& source, const boost::asio::ip::udp::endpoint& destination,
                 std::span<const uint8_t> data);

    std::shared_ptr<mux::Mux> mux_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint own_address_;
    TransparentUdp udp_;
    std::chrono::steady_clock::duration expiry_;
    std::vector<uint8_t> buffer_;
    std::map<FlowKey, std::shared_ptr<UdpClientFlow>> flows_;
    bool stopped_ = false;
};

}  // namespace sshuttle::client
