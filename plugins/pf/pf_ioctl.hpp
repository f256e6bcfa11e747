// SPDX-License-Identifier: LGPL-2.1-or-later
// The only system calls of the pf method: ioctls on /dev/pf. pf_ioctl_bsd.cpp implements them on macOS,
// FreeBSD and OpenBSD; pf_ioctl_none.cpp (every other OS) refuses with SSHUTTLE_EUNSUPPORTED. The requests
// themselves are built by the portable pf_natlook/pf_anchor_rule code.
#pragma once

#include <string>

#include "pf_anchor_rule.hpp"
#include "pf_natlook.hpp"

namespace sshuttle::plugins::pf {

/// The flavour of the running system: build_flavor(), except that a FreeBSD kernel whose version string
/// ends in "pfSense" is pfSense (upstream's test).
Flavor host_flavor();

/// DIOCNATLOOK: the original destination of `query`. Throws sdk::Error (SSHUTTLE_ESYSTEM with errno).
NatAnswer natlook(Flavor flavor, const NatQuery& query);

/// Appends `kind` for `anchor` to the main ruleset (DIOCBEGINADDRS where needed, then DIOCCHANGERULE twice).
/// Throws sdk::Error naming the failed ioctl.
void add_anchor_rule(Flavor flavor, AnchorKind kind, const std::string& anchor);

}  // namespace sshuttle::plugins::pf
