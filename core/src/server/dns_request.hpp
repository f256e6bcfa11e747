// SPDX-License-Identifier: LGPL-2.1-or-later
// One DNS_REQ: the raw query goes by UDP to a nameserver (3 tries, a random server each time); the first reply
// goes back as DNS_RESPONSE and the channel is freed. A failing query only logs: it never ends the server.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <vector>

#include "mux/mux.hpp"

namespace sshuttle::server {

class DnsRequest : public mux::ChannelEndpoint, public std::enable_shared_from_this<DnsRequest> {
   public:
    static constexpr int kTries = 3;
    static constexpr auto kTryTimeout = std::chrono::seconds(10);

    /// Attaches to the channel and sends the query.
    static void start(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> query,
                      std::vector<boost::asio::ip::udp::endpoint> servers, uint32_t mark);

    void on_frame(mux::Command cmd, std::span<const uint8_t> payload) override;
    void on_mux_closed() override;

   private:
    DnsRequest(std::shared_ptr<mux::Mux> mux, uint16_t channel, std::span<const uint8_t> query,
               std::vector<boost::asio::ip::udp::endpoint> servers, uint32_t mark);
    void try_next();
    void wait_reply();
    void finish();

    std::shared_ptr<mux::Mux> mux_;
    uint16_t channel_;
    std::vector<uint8_t> query_;
    std::vector<boost::asio::ip::udp::endpoint> servers_;
    uint32_t mark_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::steady_timer timer_;
    int tries_ = 0;
    bool done_ = false;
};

}  // namespace sshuttle::server
