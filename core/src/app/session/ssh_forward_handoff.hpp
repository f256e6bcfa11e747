// SPDX-License-Identifier: LGPL-2.1-or-later
// TCP connections carried by the ssh program's own forwarding (issue 17): each new connection is handed to the
// connection-sharing master as a stdio forward (transport/ssh_stdio_forward.hpp), so it gets its own SSH
// channel and window, and its bytes cost what `ssh -L`'s cost. Declined, so that the mux carries the connection:
// above a bound of open forwards (each one costs the master three descriptors and us two), and once the server
// has shown that it does not forward (forwarding_verdict.hpp). A connection the server refuses
// comes back to the mux untouched, so a destination sshd may not reach is still tried by the sshuttle server.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "app/session/forwarding_verdict.hpp"
#include "client/tcp_handoff.hpp"
#include "transport/ssh_stdio_forward.hpp"

namespace sshuttle::app {

class SshForwardHandoff final : public client::TcpHandoff {
   public:
    SshForwardHandoff(boost::asio::io_context& io, std::string control_socket, std::size_t max_open);
    ~SshForwardHandoff() override;
    SshForwardHandoff(const SshForwardHandoff&) = delete;
    SshForwardHandoff& operator=(const SshForwardHandoff&) = delete;

    bool take(int fd, const net::Endpoint& target, Opened opened, GiveBack give_back) override;
    void refresh_traffic() override;

   private:
    void answered(uint64_t id, transport::SshStdioForward::Refusal refusal, const std::string& why);

    boost::asio::io_context& io_;
    std::string control_socket_;
    std::size_t max_open_;
    std::unordered_map<uint64_t, std::shared_ptr<transport::SshStdioForward>> forwards_;  // opening or open
    uint64_t next_id_ = 1;
    ForwardingVerdict verdict_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks after our end do nothing
};

}  // namespace sshuttle::app
