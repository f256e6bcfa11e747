// SPDX-License-Identifier: LGPL-2.1-or-later
// TCP connections carried by the transport plugin's own forwarding (forward_tcp, ABI 1.4; issue 17): the libssh2
// transport gives each new connection a direct-tcpip channel of its own on the authenticated session, as `ssh -L`
// does, so each has its own window and the sshuttle server is not on its path. The plugin moves the bytes on its
// thread; we keep our descriptor of the socket, to count its bytes (TCP_INFO) and to close it at the end.
// Declined, so that the mux carries the connection: above a bound of open forwards, when the plugin declines, and
// once the server has shown that it does not forward (forwarding_verdict.hpp). A connection the server refuses
// comes back to the mux untouched.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "app/session/forwarding_verdict.hpp"
#include "client/tcp_handoff.hpp"
#include "transport/plugin_connection.hpp"

namespace sshuttle::app {

class PluginForwardHandoff final : public client::TcpHandoff {
   public:
    PluginForwardHandoff(boost::asio::io_context& io, std::shared_ptr<transport::PluginConnection> plugin,
                         std::size_t max_open);
    ~PluginForwardHandoff() override;
    PluginForwardHandoff(const PluginForwardHandoff&) = delete;
    PluginForwardHandoff& operator=(const PluginForwardHandoff&) = delete;

    bool take(int fd, const net::Endpoint& target, Opened opened, GiveBack give_back) override;
    void refresh_traffic() override;

   private:
    struct Forward {
        int fd;
        net::Endpoint target;
        Opened opened;
        GiveBack give_back;
        std::shared_ptr<mux::ChannelTraffic> traffic;  // set once open
        std::shared_ptr<int> alive = std::make_shared<int>(0);
    };
    // On our io_context.
    void report(const transport::PluginConnection::ForwardEvent& event);
    static void count(const Forward& forward);

    boost::asio::io_context& io_;
    std::shared_ptr<transport::PluginConnection> plugin_;
    std::size_t max_open_;
    std::unordered_map<uint64_t, Forward> forwards_;  // opening or open
    uint64_t next_id_ = 1;
    ForwardingVerdict verdict_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reports after our end do nothing
};

}  // namespace sshuttle::app
