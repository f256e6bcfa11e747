// SPDX-License-Identifier: LGPL-2.1-or-later
// The nat firewall method: applies nat_rules through iptables-restore, all commands run by the host (so
// --dry-run and tests record them instead).
#pragma once

#include <string>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::nat {

class NatMethod {
   public:
    NatMethod(const sdk::Host& host, const sdk::Options& options);

    /// True when iptables and iptables-restore run and the nat table can be listed (read-only probe).
    bool is_supported(std::string& reason);
    /// Removes stale rules of the same port, then installs req's rules in one iptables-restore call.
    void setup(const sdk::FwRequest& req);
    /// Replaces the rules inside the chain of req.port in one iptables-restore commit (the jumps stay).
    void update(const sdk::FwRequest& req);
    /// Removes every rule and the chain of req.port; absent pieces are not an error.
    void restore(const sdk::FwRequest& req);
    std::string render(const sdk::FwRequest& req);
    /// SO_ORIGINAL_DST (IPv4) or IP6T_SO_ORIGINAL_DST (IPv6) of an accepted redirected socket.
    bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);

   private:
    sdk::Host host_;
};

}  // namespace sshuttle::plugins::nat
