// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/rule_order.hpp"

#include <algorithm>
#include <tuple>

namespace sshuttle::net {
namespace {

// Upstream's subnet_weight: (-last_port + (first_port or -65535), prefix, exclude). A single port scores 0,
// a range minus its width, a port-less rule -65535, so port specificity outranks the prefix length.
std::tuple<int, int, bool> weight(const Subnet& rule) {
    const int first = rule.port_first != 0 ? rule.port_first : -65535;
    return {first - rule.port_last, rule.prefix, rule.exclude};
}

}  // namespace

void sort_rules(std::vector<Subnet>& rules) {
    // Descending weight; stable so that equal rules keep the user's order, as Python's sorted() does.
    std::stable_sort(rules.begin(), rules.end(),
                     [](const Subnet& a, const Subnet& b) { return weight(a) > weight(b); });
}

}  // namespace sshuttle::net
