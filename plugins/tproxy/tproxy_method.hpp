// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy firewall method: applies tproxy_rules through iptables-restore (commands run by the host) and
// prepares transparent listeners, and receives and answers UDP with original addresses. Policy routing (fwmark ->
// local table) is the user's job as upstream, or the client's with --tproxy-setup-routes; restore() removes what
// the latter installed, so it is gone even when the client was killed (the manager restores on EOF).
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
    /// Replaces the rules of req.port's chains in one iptables-restore commit (the jumps and routes stay).
    void update(const sdk::FwRequest& req);
    std::string render(const sdk::FwRequest& req);
    /// IP_TRANSPARENT (and for UDP the RECVORIGDSTADDR option) before bind; needs CAP_NET_ADMIN.
    void prepare_listener(int fd, int family, bool is_udp);
    /// A TPROXY'd socket's local address is the original destination.
    bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);
    /// One datagram with its original destination (IP_RECVORIGDSTADDR); false when none is waiting.
    bool recv_udp(int fd, void* buf, size_t len, size_t& got, sockaddr_storage& src, socklen_t& src_len,
                  sockaddr_storage& dst, socklen_t& dst_len);
    /// A transparent UDP socket bound to `from`, connected to `to` when given.
    int open_udp_reply(const sockaddr* from, socklen_t from_len, const sockaddr* to, socklen_t to_len);

   private:
    /// Removes this port's chains and jumps that exist (stale ones first, in setup).
    void remove_rules(const sdk::FwRequest& req);
    /// Removes the rule and route --tproxy-setup-routes installed for this port, if any.
    void remove_own_routes(const sdk::FwRequest& req);

    sdk::Host host_;
};

}  // namespace sshuttle::plugins::tproxy
