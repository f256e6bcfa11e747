// SPDX-License-Identifier: LGPL-2.1-or-later
// DIOCNATLOOK requests per pf flavour, byte for byte, and the ioctl numbers against upstream sshuttle's
// (reference §3.4). The expected bytes are written out field by field from each kernel's struct layout.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <cstdint>
#include <vector>

#include "pf_natlook.hpp"

using namespace sshuttle::plugins::pf;

namespace {

using Bytes = std::vector<uint8_t>;

/// A query from 192.0.2.10:40000 to our listener 127.0.0.1:12300.
NatQuery v4_query() {
    NatQuery q;
    q.family = SSHUTTLE_AF_INET;
    q.src = {192, 0, 2, 10};
    q.src_port = 40000;  // 0x9c40
    q.dst = {127, 0, 0, 1};
    q.dst_port = 12300;  // 0x300c
    return q;
}

NatQuery v6_query() {
    NatQuery q;
    q.family = SSHUTTLE_AF_INET6;
    inet_pton(AF_INET6, "2001:db8::10", q.src.data());
    q.src_port = 40000;
    inet_pton(AF_INET6, "::1", q.dst.data());
    q.dst_port = 12300;
    return q;
}

/// saddr, daddr, rsaddr, rdaddr of a v4 query: 64 bytes.
Bytes v4_addresses() {
    Bytes b(64, 0);
    b[0] = 192, b[1] = 0, b[2] = 2, b[3] = 10;
    b[16] = 127, b[19] = 1;
    return b;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("pf natlook: ioctl numbers and sizes are upstream's") {
    CHECK(diocnatlook(Flavor::kFreeBsd) == 0xC04C4417u);
    CHECK(diocnatlook(Flavor::kPfSense) == 0xC04C4417u);
    CHECK(diocnatlook(Flavor::kDarwin) == 0xC0544417u);
    CHECK(diocnatlook(Flavor::kOpenBsd) == 0xC0504417u);
    CHECK(natlook_layout(Flavor::kFreeBsd).size == 76);
    CHECK(natlook_layout(Flavor::kDarwin).size == 84);
    CHECK(natlook_layout(Flavor::kOpenBsd).size == 80);
    CHECK(iowr('D', 23, 76) == 0xC04C4417u);
}

TEST_CASE("pf natlook: FreeBSD/pfSense request bytes") {
    // sport, dport, rsport, rdport (big-endian), af, proto, direction (PF_INOUT, see natlook_layout), pad.
    const Bytes expected = concat(v4_addresses(), {0x9c, 0x40, 0x30, 0x0c, 0, 0, 0, 0, 2, 6, 0, 0});
    CHECK(encode_natlook(Flavor::kFreeBsd, v4_query()) == expected);
    CHECK(encode_natlook(Flavor::kPfSense, v4_query()) == expected);
}

TEST_CASE("pf natlook: macOS request bytes (4-byte pf_state_xport unions, PF_OUT)") {
    const Bytes expected = concat(v4_addresses(), {0x9c, 0x40, 0, 0, 0x30, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                   2, 6, 0, 2});
    CHECK(encode_natlook(Flavor::kDarwin, v4_query()) == expected);
}

TEST_CASE("pf natlook: OpenBSD request bytes (rdomain and rrdomain first)") {
    const Bytes expected = concat(v4_addresses(), {0, 0, 0, 0, 0x9c, 0x40, 0x30, 0x0c, 0, 0, 0, 0, 2, 6, 0, 0});
    CHECK(encode_natlook(Flavor::kOpenBsd, v4_query()) == expected);
}

TEST_CASE("pf natlook: IPv6 uses all 16 address bytes and each kernel's AF_INET6") {
    for (auto [flavor, af6] : {std::pair{Flavor::kFreeBsd, 28}, {Flavor::kDarwin, 30}, {Flavor::kOpenBsd, 24}}) {
        CAPTURE(flavor_name(flavor));
        const Bytes bytes = encode_natlook(flavor, v6_query());
        const NatlookLayout layout = natlook_layout(flavor);
        CHECK(Bytes(bytes.begin(), bytes.begin() + 16) ==
              Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
        CHECK(Bytes(bytes.begin() + 16, bytes.begin() + 32) == Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        CHECK(bytes[layout.af] == af6);
    }
}

TEST_CASE("pf natlook: the answer is rdaddr and rdport") {
    for (Flavor flavor : {Flavor::kFreeBsd, Flavor::kPfSense, Flavor::kDarwin, Flavor::kOpenBsd}) {
        CAPTURE(flavor_name(flavor));
        Bytes answer = encode_natlook(flavor, v4_query());
        // What the kernel writes: the original destination 198.51.100.7:443.
        answer[48] = 198, answer[49] = 51, answer[50] = 100, answer[51] = 7;
        const size_t rdport = flavor == Flavor::kDarwin ? 76 : flavor == Flavor::kOpenBsd ? 74 : 70;
        answer[rdport] = 0x01, answer[rdport + 1] = 0xbb;
        const NatAnswer decoded = decode_natlook(flavor, SSHUTTLE_AF_INET, answer);
        CHECK(decoded.port == 443);
        CHECK(decoded.address == std::array<uint8_t, 16>{198, 51, 100, 7});
    }
}

TEST_CASE("pf natlook: bad family and wrong answer size are named") {
    NatQuery q = v4_query();
    q.family = 5;
    CHECK_THROWS_WITH(encode_natlook(Flavor::kFreeBsd, q), "pf natlook: invalid address family 5");
    CHECK_THROWS_WITH(decode_natlook(Flavor::kDarwin, SSHUTTLE_AF_INET, Bytes(76, 0)),
                      "pf natlook: answer of 76 bytes, expected 84");
}
