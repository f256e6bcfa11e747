// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the pf firewall method (macOS, FreeBSD, OpenBSD, pfSense). On Linux the module
// exists only so that `--method pf --dry-run` can render rules.
#include "pf_method.hpp"

SSHUTTLE_DECLARE_FIREWALL(sshuttle::plugins::pf::PfMethod, "pf", "pf rdr/route-to anchors (macOS, BSD)",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS |
                              SSHUTTLE_FEAT_PORT_RANGES | SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER,
                          30)
