// SPDX-License-Identifier: LGPL-2.1-or-later
// The policy routing the tproxy method needs: packets carrying the --tmark must be routed to the local machine
// (`ip rule ... fwmark MARK lookup T` and `local default dev lo` in table T), or TPROXY never sees them. The
// client checks it before any rule goes in and stops with the exact commands when it is missing; with
// --tproxy-setup-routes it installs a rule and route of its own instead (table kOwnTableBase + listen port, so
// instances never remove each other's), removed on exit; the tproxy plugin's restore() removes the same ones
// from the firewall manager, which covers a killed client.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::app {

/// Keep in step with plugins/tproxy/tproxy_routes.hpp (the manager removes what these numbers name).
inline constexpr uint32_t kOwnTableBase = 100000;
inline constexpr uint32_t kOwnRulePriority = 30000;

/// The tables that `ip rule show` output sends packets marked `mark` to (exact mark, or a mask covering it).
std::vector<std::string> tables_for_mark(const std::string& rule_listing, uint32_t mark);
/// True when `ip route show table T` output has the `local default dev lo` route.
bool has_local_default(const std::string& route_listing);
/// The one-line error for missing routing in `families`, with the exact commands to run.
std::string missing_routing_message(const std::vector<net::Family>& families, const std::string& tmark);

/// Throws std::runtime_error (missing_routing_message) when any of `families` lacks the routing.
void check_policy_routing(const std::vector<net::Family>& families, const std::string& tmark);

/// --tproxy-setup-routes: installs the rule and route for each family; remove() (or the destructor) takes them
/// away again. Throws std::runtime_error naming the failed command.
class OwnPolicyRoutes {
   public:
    OwnPolicyRoutes(const std::vector<net::Family>& families, const std::string& tmark, uint16_t port);
    ~OwnPolicyRoutes();
    OwnPolicyRoutes(const OwnPolicyRoutes&) = delete;
    OwnPolicyRoutes& operator=(const OwnPolicyRoutes&) = delete;

    /// Idempotent; silent when the firewall manager already removed them.
    void remove();

   private:
    std::vector<net::Family> families_;
    std::string table_;
};

}  // namespace sshuttle::app
