// SPDX-License-Identifier: LGPL-2.1-or-later
// The tproxy firewall method: applies tproxy_rules through iptables-restore (commands run by the host) and
// prepares transparent listeners, and receives and answers UDP with original addresses. Policy routing (fwmark ->
// local table, tproxy_routes) is the user's job as upstream, checked by preflight() before any rule goes in; with
// the create() option setup-routes (--tproxy-setup-routes) setup() installs a rule and route of its own, and
// restore() removes them, so they are gone even when the client was killed (the manager restores on EOF).
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::tproxy {

class TproxyMethod {
   public:
    TproxyMethod(const sdk::Host& host, const sdk::Options& options);

    /// True when iptables and ip6tables run and the mangle table can be listed (read-only probe).
    bool is_supported(std::string& reason);
    /// Without setup-routes: every requested family routes marked packets here, or one error line naming the
    /// commands for all that do not. Changes nothing.
    void preflight(const std::vector<sdk::FwRequest>& requests);
    /// The routing of our own first (with setup-routes), so that no marked packet goes unrouted, then the rules.
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
    /// True when packets marked `mark` are routed to this machine for `family` (a rule for the mark leads to a
    /// table with `local default dev lo`). Throws when `ip` cannot tell.
    bool routing_present(int family, uint32_t mark);
    /// Installs this port's own rule and route (leftovers of a crashed instance on the same port removed first).
    void install_own_routes(const sdk::FwRequest& req);
    /// Removes the rule and route setup-routes installed for this port, if any.
    void remove_own_routes(const sdk::FwRequest& req);

    sdk::Host host_;
    bool setup_routes_ = false;  // create() option setup-routes: setup installs the policy routing itself
};

}  // namespace sshuttle::plugins::tproxy
