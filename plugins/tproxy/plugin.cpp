// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the tproxy firewall method (iptables TPROXY in table mangle; TCP and UDP).
#include "tproxy_method.hpp"

SSHUTTLE_DECLARE_FIREWALL(sshuttle::plugins::tproxy::TproxyMethod, "tproxy",
                          "iptables TPROXY, TCP and UDP (Linux; needs policy routing and a root client)",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_UDP |
                              SSHUTTLE_FEAT_DNS | SSHUTTLE_FEAT_PORT_RANGES | SSHUTTLE_FEAT_TRANSPARENT_LISTENER,
                          100)
