// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy firewall method: applies tproxy_rules through iptables-restore (commands run by the host) and
// prepares transparent listeners. Policy routing (fwmark -> local table) is the user's job, as upstream.
#pragma once

#include <string>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::tproxy {

class TproxyMethod {
   public:
    TproxyMethod(const sdk::Host& host, const sdk::Options& options);

    /// True when iptables and ip6tables run and the mangle table can be listed (read-only probe).
    bool is_supported(std::string& reason);
    void setup(const sdk::FwRequest& req);
    void restore(const sdk::FwRequest& req);
    std::string render(const sdk::FwRequest& req);
    /// IP_TRANSPARENT (and for UDP the RECVORIGDSTADDR option) before bind; needs CAP_NET_ADMIN.
    void prepare_listener(int fd, int family, bool is_udp);
    /// A TPROXY'd socket's local address is the original destination.
    bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);

   private:
    sdk::Host host_;
};

}  // namespace sshuttle::plugins::tproxy
