// SPDX-License-Identifier: LGPL-2.1-or-later
// What the manager needs from a firewall method. The real one wraps a loaded plugin (plugin_backend.hpp);
// tests use a recording fake, so the protocol logic is tested without root or a kernel firewall.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin/firewall_request.hpp"

namespace sshuttle::fwmgr {

class FirewallBackend {
   public:
    virtual ~FirewallBackend() = default;

    /// The method name sent in READY.
    virtual std::string name() const = 0;
    /// SSHUTTLE_FEAT_* bits.
    virtual uint64_t features() const = 0;
    /// Before the first setup of a session: checks, changing nothing, that every request could be set up (ABI
    /// 1.3 preflight, e.g. tproxy's policy routing). Throws std::exception with the one line naming what is
    /// missing. A method without the check passes (the default).
    virtual void preflight(const std::vector<plugin::FirewallRequest>& /*requests*/) {}
    /// Installs the rules of one family; throws std::exception with a one-line reason.
    virtual void setup(const plugin::FirewallRequest& request) = 0;
    /// Removes them again; idempotent; throws std::exception with a one-line reason.
    virtual void restore(const plugin::FirewallRequest& request) = 0;
    /// True when update() replaces the rules in one transaction (ABI 1.2); else the manager falls back to
    /// restore() then setup(), with a gap.
    virtual bool has_update() const = 0;
    /// Replaces the rules of request's family and port with request's at once; on failure the old rules are
    /// still in force. Throws std::exception with a one-line reason.
    virtual void update(const plugin::FirewallRequest& request) = 0;
    /// True when the method can read original destinations from the kernel's NAT states (ABI 1.2 nat_lookup).
    virtual bool has_nat_lookup() const = 0;
    /// The original destination of the connection src -> dst; nullopt with reason when there is none.
    virtual std::optional<net::Endpoint> nat_lookup(int proto, const net::Endpoint& src, const net::Endpoint& dst,
                                                    std::string& reason) = 0;
};

}  // namespace sshuttle::fwmgr
