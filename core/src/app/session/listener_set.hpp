// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's redirect targets: the TCP listeners, the transparent UDP listeners, the DNS listeners. Bound once
// per session and kept across server connections, so the rules always point at a socket that answers. The data
// plane takes the sockets over (hand_over).
#pragma once

#include <vector>

#include "app/listeners.hpp"
#include "cli/options.hpp"
#include "fwmgr/line_protocol.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::app {

class ListenerSet {
   public:
    /// Binds everything the options and the method call for. Throws with one line naming the address.
    ListenerSet(const cli::Options& options, plugin::FirewallPlugin& method, bool ipv6, bool udp,
                bool capture_dns);
    ListenerSet(const ListenerSet&) = delete;
    ListenerSet& operator=(const ListenerSet&) = delete;

    const std::vector<Listener>& tcp() const { return tcp_; }
    const std::vector<Listener>& udp() const { return udp_; }
    const std::vector<Listener>& dns() const { return dns_; }
    /// The TCP listeners' addresses (where the rules redirect to).
    const std::vector<net::Endpoint>& addresses() const { return addresses_; }
    /// The ports for the manager's PORTS line.
    fwmgr::Ports ports() const;
    /// True when `ep` is one of our own TCP listeners (a connection to it would loop).
    bool is_own(const net::Endpoint& ep) const;

   private:
    std::vector<Listener> tcp_;
    std::vector<Listener> udp_;
    std::vector<Listener> dns_;
    std::vector<net::Endpoint> addresses_;
};

}  // namespace sshuttle::app
