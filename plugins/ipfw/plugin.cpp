// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the ipfw firewall method (FreeBSD; IPv4 TCP and DNS). On Linux the module exists
// only so that `--method ipfw --dry-run` can render commands.
#include "ipfw_method.hpp"

SSHUTTLE_DECLARE_FIREWALL(sshuttle::plugins::ipfw::IpfwMethod, "ipfw", "ipfw fwd (FreeBSD, IPv4)",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS, 40)
