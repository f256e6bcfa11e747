// SPDX-License-Identifier: LGPL-2.1-or-later
// The pf firewall method. Rendering works everywhere (for --dry-run on Linux); setup and restore run pfctl
// through the host and only on the BSDs and macOS.
#pragma once

#include <string>
#include <vector>

#include "pf_rules.hpp"

namespace sshuttle::plugins::pf {

class PfMethod {
   public:
    PfMethod(const sdk::Host& host, const sdk::Options& options);

    bool is_supported(std::string& reason);
    void setup(const sdk::FwRequest& req);
    void restore(const sdk::FwRequest& req);
    /// Reloads req's anchor with the new rules: pfctl replaces an anchor's ruleset in one transaction.
    void update(const sdk::FwRequest& req);
    /// Uses req.os_flavor when set, else this machine's flavour.
    std::string render(const sdk::FwRequest& req);
    /// DIOCNATLOOK: the original destination of a redirected connection (pf_method_nat_lookup.cpp). Throws
    /// sdk::Error (SSHUTTLE_EUNSUPPORTED where there is no /dev/pf).
    sdk::NatAnswer nat_lookup(const sdk::NatQuery& query);

   private:
    Flavor flavor_of(const sdk::FwRequest& req) const;
    void require_platform() const;
    void enable(Flavor flavor);
    void disable(Flavor flavor);

    sdk::Host host_;
    std::vector<std::string> darwin_tokens_;  // from `pfctl -E`, released with `pfctl -X`
    bool enabled_by_us_ = false;
    bool loaded_by_us_ = false;
    int active_anchors_ = 0;
};

}  // namespace sshuttle::plugins::pf
