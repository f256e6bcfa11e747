// SPDX-License-Identifier: LGPL-2.1-or-later
// The anchor references in pf's main ruleset: the `pfctl -s all` check, and the DIOCCHANGERULE /
// DIOCBEGINADDRS requests byte for byte, with upstream sshuttle's sizes, offsets and ioctl numbers.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "pf_anchor_rule.hpp"

using namespace sshuttle::plugins::pf;

namespace {

using Bytes = std::vector<uint8_t>;

/// value as the kernel of this (little- or big-endian) machine reads a u32.
Bytes u32_bytes(uint32_t value) {
    const uint8_t le[4] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8),
                           static_cast<uint8_t>(value >> 16), static_cast<uint8_t>(value >> 24)};
    if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) return {le[0], le[1], le[2], le[3]};
    return {le[3], le[2], le[1], le[0]};
}

/// Every byte of a request: size zeros with the given fields written in.
Bytes expected_request(size_t size, std::vector<std::pair<size_t, Bytes>> fields) {
    Bytes out(size, 0);
    for (const auto& [offset, bytes] : fields) std::copy(bytes.begin(), bytes.end(), out.begin() + offset);
    return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

const std::string kShowAll =
    "FILTER RULES:\n"
    "scrub in all fragment reassemble\n"
    "anchor \"sshuttle-12300\" all\n"
    "rdr-anchor \"sshuttle6-12300\" all\n"
    "anchor \"com.apple/*\" all\n";

}  // namespace

TEST_CASE("pf anchor rule: ioctl numbers and layouts are upstream's") {
    CHECK(diocchangerule(Flavor::kFreeBsd) == 0xCBE0441Au);
    CHECK(diocchangerule(Flavor::kDarwin) == 0xCC20441Au);
    CHECK(diocchangerule(Flavor::kOpenBsd) == 0xCD50441Au);
    CHECK(diocchangerule(Flavor::kPfSense) == 0xCC28441Au);
    CHECK(diocbeginaddrs() == 0xC4704433u);
    CHECK(rule_layout(Flavor::kFreeBsd).rule_action == 2968);
    CHECK(rule_layout(Flavor::kDarwin).rule_action == 3068);
    CHECK(rule_layout(Flavor::kOpenBsd).rule_action == 3324);
    CHECK(rule_layout(Flavor::kPfSense).rule_action == 3040);
    CHECK(rule_layout(Flavor::kOpenBsd).anchor_call == 1036);
    CHECK_FALSE(rule_layout(Flavor::kOpenBsd).pool_ticket.has_value());
}

TEST_CASE("pf anchor rule: FreeBSD rdr-anchor request, GET_TICKET then ADD_TAIL") {
    Bytes request = encode_anchor_rule(Flavor::kFreeBsd, AnchorKind::kRdr, "sshuttle-12300", kChangeGetTicket, 0x1234);
    CHECK(request == expected_request(3040, {{0, u32_bytes(6)},
                                             {8, u32_bytes(0x1234)},
                                             {1040, text("sshuttle-12300")},
                                             {2968, u32_bytes(8)}}));
    set_change_action(request, kChangeAddTail);
    CHECK(request == expected_request(3040, {{0, u32_bytes(2)},
                                             {8, u32_bytes(0x1234)},
                                             {1040, text("sshuttle-12300")},
                                             {2968, u32_bytes(8)}}));
}

TEST_CASE("pf anchor rule: macOS, pfSense and OpenBSD filter-anchor requests") {
    CHECK(encode_anchor_rule(Flavor::kDarwin, AnchorKind::kFilter, "sshuttle6-9001", kChangeGetTicket, 7) ==
          expected_request(3104, {{0, u32_bytes(6)}, {8, u32_bytes(7)}, {1040, text("sshuttle6-9001")}}));
    CHECK(encode_anchor_rule(Flavor::kPfSense, AnchorKind::kRdr, "sshuttle-1025", kChangeGetTicket, 9) ==
          expected_request(3112, {{0, u32_bytes(6)}, {8, u32_bytes(9)}, {1040, text("sshuttle-1025")},
                                  {3040, u32_bytes(8)}}));
    // No pool ticket on OpenBSD: the ticket given is not written anywhere.
    CHECK(encode_anchor_rule(Flavor::kOpenBsd, AnchorKind::kFilter, "sshuttle-1025", kChangeGetTicket, 99) ==
          expected_request(3408, {{0, u32_bytes(6)}, {1036, text("sshuttle-1025")}}));
}

TEST_CASE("pf anchor rule: the pool ticket is bytes 4..7 of pfioc_pooladdr") {
    Bytes pooladdr(kPoolAddrSize, 0);
    const Bytes ticket = u32_bytes(0xa1b2c3d4);
    std::copy(ticket.begin(), ticket.end(), pooladdr.begin() + 4);
    CHECK(decode_pool_ticket(pooladdr) == 0xa1b2c3d4u);
    CHECK_THROWS_WITH(decode_pool_ticket(Bytes(100, 0)), "pf: pfioc_pooladdr of 100 bytes, expected 1136");
}

TEST_CASE("pf anchor rule: bad names and rdr-anchor on OpenBSD are refused") {
    CHECK_THROWS_WITH(encode_anchor_rule(Flavor::kFreeBsd, AnchorKind::kFilter, "", kChangeGetTicket, 0),
                      "invalid pf anchor name '': must be 1 to 1023 characters");
    CHECK_THROWS_WITH(encode_anchor_rule(Flavor::kOpenBsd, AnchorKind::kRdr, "sshuttle-1", kChangeGetTicket, 0),
                      "pf on openbsd has no rdr-anchor rules");
}

TEST_CASE("pf anchor rule: `pfctl -s all` decides which references are added") {
    // Present: anchor for v4, rdr-anchor for v6.
    CHECK(missing_anchor_rules(Flavor::kFreeBsd, "sshuttle-12300", kShowAll) ==
          std::vector<AnchorKind>{AnchorKind::kRdr});
    CHECK(missing_anchor_rules(Flavor::kDarwin, "sshuttle6-12300", kShowAll) ==
          std::vector<AnchorKind>{AnchorKind::kFilter});
    CHECK(missing_anchor_rules(Flavor::kOpenBsd, "sshuttle-12300", kShowAll).empty());
    CHECK(missing_anchor_rules(Flavor::kPfSense, "sshuttle-1", kShowAll) ==
          std::vector<AnchorKind>{AnchorKind::kRdr, AnchorKind::kFilter});
    // A reference must start a line: a longer name or a prefix match does not count.
    CHECK(missing_anchor_rules(Flavor::kOpenBsd, "sshuttle-1230", kShowAll) ==
          std::vector<AnchorKind>{AnchorKind::kFilter});
}
