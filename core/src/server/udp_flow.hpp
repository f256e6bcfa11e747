// SPDX-License-Identifier: LGPL-2.1-or-later
// One UDP_OPEN channel: an unconnected UDP socket that sends each UDP_DATA datagram to its "ip,port" and
// relays every datagram it receives back as UDP_DATA with the sender's address. Ends on UDP_CLOSE.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <memory>
#include <vector>

#include "mux/mux.hpp"

namespace sshuttle::server {

class UdpFlow : public mux::ChannelEndpoint, public std::enable_shared_from_this<UdpFlow> {
   public:
    /// Attaches to the channel; payload is the family number ("2" = IPv4, anything else IPv6, as upstream).
    static void start(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> payload,
                      uint32_t mark);

    void on_frame(mux::Command cmd, std::span<const uint8_t> payload) override;
    void on_mux_closed() override;

   private:
    UdpFlow(std::shared_ptr<mux::Mux> mux, uint16_t channel);
    void receive();
    void relay_waiting();
    void finish();

    std::shared_ptr<mux::Mux> mux_;
    uint16_t channel_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint sender_;
    bool is_v6_ = false;
    bool done_ = false;
};

}  // namespace sshuttle::server
