// SPDX-License-Identifier: LGPL-2.1-or-later
// Referencing our anchors from pf's main ruleset: the `pfctl -s all` check, and the DIOCCHANGERULE request
// that appends `anchor "<name>"` (and `rdr-anchor "<name>"` where it exists) without reloading pf.conf.
//
// As for DIOCNATLOOK, the request is bytes built from offsets (upstream sshuttle's, checked against each
// kernel's sizeof): only the ioctl calls are BSD-only. `struct pfioc_rule` starts with
// u32 action, u32 ticket, [u32 pool_ticket,] u32 nr, char anchor[MAXPATHLEN], char anchor_call[MAXPATHLEN],
// then `struct pf_rule rule` whose `action` member is at RULE_ACTION below:
//
//              sizeof(pfioc_rule)  pool_ticket  anchor_call  rule.action  DIOCCHANGERULE
//   FreeBSD    3040                8            1040         2968         0xCBE0441A
//   pfSense    3112                8            1040         3040         0xCC28441A
//   macOS      3104                8            1040         3068         0xCC20441A
//   OpenBSD    3408                -            1036         3324         0xCD50441A
//
// Sequence (upstream pf.py): FreeBSD/pfSense/macOS first open an address pool with DIOCBEGINADDRS and copy
// its ticket (bytes 4..7 of the 1136-byte pfioc_pooladdr) into pool_ticket; then DIOCCHANGERULE with
// action PF_CHANGE_GET_TICKET (the kernel fills `ticket`), then again with PF_CHANGE_ADD_TAIL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pf_rules.hpp"

namespace sshuttle::plugins::pf {

/// Which anchor reference: `anchor "x"` (rule action PF_PASS) or `rdr-anchor "x"` (PF_RDR; not on OpenBSD).
enum class AnchorKind { kFilter, kRdr };

struct RuleLayout {
    size_t size;                        // sizeof(struct pfioc_rule)
    std::optional<size_t> pool_ticket;  // absent: no DIOCBEGINADDRS step (OpenBSD)
    size_t anchor_call;
    size_t rule_action;
};

inline constexpr size_t kActionOffset = 0;
inline constexpr size_t kMaxPathLen = 1024;
inline constexpr uint32_t kChangeAddTail = 2;    // PF_CHANGE_ADD_TAIL
inline constexpr uint32_t kChangeGetTicket = 6;  // PF_CHANGE_GET_TICKET
inline constexpr uint32_t kRuleActionPass = 0;   // PF_PASS
inline constexpr uint32_t kRuleActionRdr = 8;    // PF_RDR
inline constexpr size_t kPoolAddrSize = 1136;    // sizeof(struct pfioc_pooladdr), the same on every flavour
inline constexpr size_t kPoolAddrTicketOffset = 4;

RuleLayout rule_layout(Flavor flavor);
/// _IOWR('D', 26, struct pfioc_rule) of `flavor`.
uint32_t diocchangerule(Flavor flavor);
/// _IOWR('D', 51, struct pfioc_pooladdr) = 0xC4704433.
uint32_t diocbeginaddrs();

/// The anchor references `pfctl -s all` output lacks, in the order they are added (rdr-anchor first).
std::vector<AnchorKind> missing_anchor_rules(Flavor flavor, const std::string& anchor, const std::string& pfctl_all);

/// A DIOCCHANGERULE request appending `kind` for `anchor`, with the given change action (kChangeGetTicket
/// for the first call) and pool ticket (ignored on OpenBSD). u32 fields in this machine's byte order, as the
/// kernel reads them. Throws sdk::Error for an empty or over-long anchor name.
std::vector<uint8_t> encode_anchor_rule(Flavor flavor, AnchorKind kind, const std::string& anchor,
                                        uint32_t change_action, uint32_t pool_ticket);

/// Overwrites the change action of an encoded request (between the GET_TICKET and the ADD_TAIL call).
void set_change_action(std::vector<uint8_t>& request, uint32_t change_action);

/// The ticket of an answered DIOCBEGINADDRS request; throws sdk::Error when `pooladdr` has the wrong size.
uint32_t decode_pool_ticket(const std::vector<uint8_t>& pooladdr);

/// "anchor" or "rdr-anchor", for messages.
const char* anchor_kind_name(AnchorKind kind);

}  // namespace sshuttle::plugins::pf
