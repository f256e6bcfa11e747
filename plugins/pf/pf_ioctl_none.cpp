// SPDX-License-Identifier: LGPL-2.1-or-later
// pf ioctls on an OS without pf (Linux): the module still loads, renders rules for --dry-run and exports
// the NAT lookup, which refuses with SSHUTTLE_EUNSUPPORTED.
#include "pf_ioctl.hpp"

namespace sshuttle::plugins::pf {

Flavor host_flavor() { return build_flavor(); }

NatAnswer natlook(Flavor, const NatQuery&) {
    throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "pf is not available on this OS (no /dev/pf)");
}

void add_anchor_rule(Flavor, AnchorKind, const std::string&) {
    throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "pf is not available on this OS (no /dev/pf)");
}

}  // namespace sshuttle::plugins::pf
