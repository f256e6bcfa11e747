// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pf_anchor_rule.hpp"

#include <algorithm>
#include <cstring>

#include "pf_natlook.hpp"

namespace sshuttle::plugins::pf {
namespace {

void put_u32(std::vector<uint8_t>& out, size_t offset, uint32_t value) {
    std::memcpy(out.data() + offset, &value, sizeof value);
}

bool has_rdr_anchors(Flavor flavor) { return flavor != Flavor::kOpenBsd; }

}  // namespace

RuleLayout rule_layout(Flavor flavor) {
    switch (flavor) {
        case Flavor::kDarwin:
            return {3104, 8, 1040, 3068};
        case Flavor::kPfSense:
            return {3112, 8, 1040, 3040};
        case Flavor::kOpenBsd:
            return {3408, std::nullopt, 1036, 3324};
        case Flavor::kFreeBsd:
            break;
    }
    return {3040, 8, 1040, 2968};
}

uint32_t diocchangerule(Flavor flavor) { return iowr('D', 26, static_cast<uint32_t>(rule_layout(flavor).size)); }

uint32_t diocbeginaddrs() { return iowr('D', 51, kPoolAddrSize); }

std::vector<AnchorKind> missing_anchor_rules(Flavor flavor, const std::string& anchor, const std::string& pfctl_all) {
    // Upstream's test: the reference starts a line of `pfctl -s all`.
    auto lacks = [&](const std::string& rule) { return pfctl_all.find("\n" + rule + " \"" + anchor + "\"") ==
                                                       std::string::npos; };
    std::vector<AnchorKind> missing;
    if (has_rdr_anchors(flavor) && lacks("rdr-anchor")) missing.push_back(AnchorKind::kRdr);
    if (lacks("anchor")) missing.push_back(AnchorKind::kFilter);
    return missing;
}

std::vector<uint8_t> encode_anchor_rule(Flavor flavor, AnchorKind kind, const std::string& anchor,
                                        uint32_t change_action, uint32_t pool_ticket) {
    if (anchor.empty() || anchor.size() >= kMaxPathLen)
        throw sdk::Error(SSHUTTLE_EINVAL, "invalid pf anchor name '" + anchor + "': must be 1 to " +
                                              std::to_string(kMaxPathLen - 1) + " characters");
    if (kind == AnchorKind::kRdr && !has_rdr_anchors(flavor))
        throw sdk::Error(SSHUTTLE_EINVAL, "pf on " + flavor_name(flavor) + " has no rdr-anchor rules");
    const RuleLayout layout = rule_layout(flavor);
    std::vector<uint8_t> out(layout.size, 0);
    put_u32(out, kActionOffset, change_action);
    if (layout.pool_ticket) put_u32(out, *layout.pool_ticket, pool_ticket);
    std::copy(anchor.begin(), anchor.end(), out.begin() + static_cast<std::ptrdiff_t>(layout.anchor_call));
    put_u32(out, layout.rule_action, kind == AnchorKind::kRdr ? kRuleActionRdr : kRuleActionPass);
    return out;
}

void set_change_action(std::vector<uint8_t>& request, uint32_t change_action) {
    if (request.size() < kActionOffset + 4) throw sdk::Error(SSHUTTLE_EINVAL, "pf: truncated pfioc_rule request");
    put_u32(request, kActionOffset, change_action);
}

uint32_t decode_pool_ticket(const std::vector<uint8_t>& pooladdr) {
    if (pooladdr.size() != kPoolAddrSize)
        throw sdk::Error(SSHUTTLE_EINVAL, "pf: pfioc_pooladdr of " + std::to_string(pooladdr.size()) +
                                              " bytes, expected " + std::to_string(kPoolAddrSize));
    uint32_t ticket = 0;
    std::memcpy(&ticket, pooladdr.data() + kPoolAddrTicketOffset, sizeof ticket);
    return ticket;
}

const char* anchor_kind_name(AnchorKind kind) { return kind == AnchorKind::kRdr ? "rdr-anchor" : "anchor"; }

}  // namespace sshuttle::plugins::pf
