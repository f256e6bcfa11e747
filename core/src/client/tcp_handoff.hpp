// SPDX-License-Identifier: LGPL-2.1-or-later
// Another way to carry an accepted TCP connection than a mux channel: the ssh program's own forwarding of it
// (app/session/ssh_forward_handoff.hpp, issue 17). The engine offers each new connection to its handoff first.
#pragma once

#include <functional>
#include <memory>

#include "mux/channel_traffic.hpp"
#include "net/address.hpp"

namespace sshuttle::client {

class TcpHandoff {
   public:
    virtual ~TcpHandoff() = default;
    /// Gives a connection back, untouched (no byte read from it), for the engine to carry over the mux.
    using GiveBack = std::function<void(int fd)>;
    /// The connection is carried: `alive` expires when it is over. Returns the counters to add its bytes to.
    using Opened = std::function<std::shared_ptr<mux::ChannelTraffic>(std::weak_ptr<const void> alive)>;
    /// Takes `fd` (true; it is the handoff's from here) or declines it at once (false). A connection taken is
    /// later either reported through `opened` or comes back through `give_back` (on the caller's io_context)
    /// when the other way refuses it.
    virtual bool take(int fd, const net::Endpoint& target, Opened opened, GiveBack give_back) = 0;
    /// Brings the byte counts of the connections it carries up to date (before a status snapshot).
    virtual void refresh_traffic() {}
};

}  // namespace sshuttle::client
