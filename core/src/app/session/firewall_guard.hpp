// SPDX-License-Identifier: LGPL-2.1-or-later
// The firewall side of a client session: the root manager, the method it chose (loaded here for the client's
// per-socket work), and the rules. It outlives every server connection, so the rules stay in while the client
// reconnects (no packet to a captured network takes the direct route); the rules go when it is closed or
// destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "fwmgr/firewall_client.hpp"
#include "net/address.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::app {

class FirewallGuard {
   public:
    /// Starts the manager (a sudo prompt comes here), loads its method and refuses what the method cannot do.
    /// Throws with one line naming the problem.
    FirewallGuard(const cli::Options& options, const plugin::HostServices& host,
                  const std::vector<net::IpAddress>& nameservers);
    ~FirewallGuard();
    FirewallGuard(const FirewallGuard&) = delete;
    FirewallGuard& operator=(const FirewallGuard&) = delete;

    plugin::FirewallPlugin& method() { return *method_; }
    fwmgr::FirewallClient& manager() { return manager_; }
    bool ipv6() const { return ipv6_; }
    /// pf: only root can read the kernel's NAT table, so the manager looks each connection up.
    bool nat_by_manager() const { return nat_by_manager_; }
    /// The method's captured datagrams carry foreign addresses (tproxy).
    bool transparent() const { return transparent_; }
    bool udp() const { return udp_; }

    /// Installs the rules (once per session). Throws FirewallError with the manager's reason.
    void install(const std::vector<net::Subnet>& rules, const std::vector<net::IpAddress>& nameservers,
                 const fwmgr::Ports& ports, const fwmgr::GoFields& go);
    bool installed() const { return installed_; }
    /// Replaces the installed rules with `rules` (the server's routes changed, -N), each family in one
    /// transaction. "" when they are in force, else why not (the previous rules stay). Throws FirewallError when
    /// the manager has gone.
    std::string update(const std::vector<net::Subnet>& rules);
    const std::vector<net::Subnet>& installed_rules() const { return installed_rules_; }

    /// Lets the manager restore the rules and waits for it. Idempotent.
    void close();

   private:
    fwmgr::FirewallClient manager_;
    std::unique_ptr<plugin::FirewallPlugin> method_;
    bool ipv6_ = false;
    bool nat_by_manager_ = false;
    bool transparent_ = false;
    bool udp_ = false;
    bool installed_ = false;
    bool closed_ = false;
    std::vector<net::Subnet> installed_rules_;
};

}  // namespace sshuttle::app
