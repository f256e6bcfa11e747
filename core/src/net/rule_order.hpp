// SPDX-License-Identifier: LGPL-2.1-or-later
// Upstream's firewall rule order (subnet_weight, reversed): single ports first, then narrower port ranges,
// then port-less rules; within a level longer prefixes first; excludes before includes on ties.
#pragma once

#include <vector>

#include "net/address.hpp"

namespace sshuttle::net {

/// Sorts includes and excludes together (each carries its exclude flag) in the order nat, nft and tproxy
/// apply them. pf uses the reverse, ipfw its own (the plugins re-sort).
void sort_rules(std::vector<Subnet>& rules);

}  // namespace sshuttle::net
