// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the nft firewall method (nftables nat redirect, one table per port and family).
#include "nft_method.hpp"

SSHUTTLE_DECLARE_FIREWALL(sshuttle::plugins::nft::NftMethod, "nft", "nftables NAT redirect (Linux)",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS |
                              SSHUTTLE_FEAT_PORT_RANGES,
                          20)
