// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the nat firewall method (iptables REDIRECT in table nat).
#include "nat_method.hpp"

SSHUTTLE_DECLARE_FIREWALL(sshuttle::plugins::nat::NatMethod, "nat", "iptables NAT REDIRECT (Linux)",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS |
                              SSHUTTLE_FEAT_USER | SSHUTTLE_FEAT_GROUP | SSHUTTLE_FEAT_PORT_RANGES,
                          10)
