// SPDX-License-Identifier: LGPL-2.1-or-later
// The DIOCNATLOOK request (original destination of a pf-redirected connection) as bytes, per OS flavour.
//
// pf's headers exist only on the BSDs and macOS, so the request is built by hand from offsets instead of
// from `struct pfioc_natlook`: the same code then runs (and is tested) on Linux, and the BSD-only part is just
// the ioctl call (pf_ioctl.hpp). Layouts, from each kernel's net/pfvar.h:
//
//   offset   0  16  32  48 | ports (network order)                 | af  proto  [proto_variant]  direction | size
//   FreeBSD  saddr daddr rsaddr rdaddr | sport 64 dport 66 rsport 68 rdport 70   | 72  73                74  | 76
//   pfSense  the same as FreeBSD                                                                            | 76
//   macOS    ... | sxport 64 dxport 68 rsxport 72 rdxport 76 (4-byte unions)     | 80  81   82           83  | 84
//   OpenBSD  ... | rdomain 64 rrdomain 66 sport 68 dport 70 rsport 72 rdport 74 | 76  77                78  | 80
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pf_rules.hpp"

namespace sshuttle::plugins::pf {

/// The BSD `_IOWR(group, number, size)` request code (IOC_INOUT, 13-bit parameter length).
constexpr uint32_t iowr(char group, uint32_t number, uint32_t size) {
    return 0xC0000000u | ((size & 0x1fffu) << 16) | (static_cast<uint32_t>(static_cast<unsigned char>(group)) << 8) |
           number;
}

/// Where the fields of `struct pfioc_natlook` are in one flavour.
struct NatlookLayout {
    size_t size;
    size_t src_port;     // sport / sxport.port
    size_t dst_port;     // dport / dxport.port
    size_t rdst_port;    // rdport / rdxport.port: the answer
    size_t af;
    size_t proto;
    size_t direction;
    uint8_t direction_value;  // see natlook_layout()
    uint8_t af_inet6;         // this kernel's AF_INET6 (AF_INET is 2 everywhere)
};

inline constexpr size_t kPfAddrBytes = 16;
inline constexpr size_t kSaddrOffset = 0;
inline constexpr size_t kDaddrOffset = 16;
inline constexpr size_t kRdaddrOffset = 48;
inline constexpr uint8_t kPfInOut = 0;
inline constexpr uint8_t kPfOut = 2;
inline constexpr uint8_t kProtoTcp = 6;

/// The layout of `flavor`. direction_value is what the kernel saw from upstream sshuttle: PF_OUT on macOS;
/// PF_INOUT elsewhere, because upstream's FreeBSD/OpenBSD ctypes structs carry macOS's extra proto_variant
/// byte, so its PF_OUT lands in padding and the kernel reads 0 (PF_INOUT) in the real direction field.
NatlookLayout natlook_layout(Flavor flavor);

/// DIOCNATLOOK = _IOWR('D', 23, struct pfioc_natlook) of `flavor`.
uint32_t diocnatlook(Flavor flavor);

/// One lookup: the client's view of an accepted connection. Addresses in network order (IPv4: first 4 bytes).
struct NatQuery {
    int family = SSHUTTLE_AF_INET;  // SSHUTTLE_AF_INET or SSHUTTLE_AF_INET6
    uint8_t proto = kProtoTcp;
    std::array<uint8_t, 16> src{};  // the connecting peer (getpeername)
    uint16_t src_port = 0;
    std::array<uint8_t, 16> dst{};  // our listener as the peer reached it (getsockname)
    uint16_t dst_port = 0;
};

/// The original destination the kernel answers with.
struct NatAnswer {
    std::array<uint8_t, 16> address{};
    uint16_t port = 0;
};

/// The request bytes for `flavor` (multi-byte fields as the kernel reads them: ports big-endian). Throws
/// sdk::Error naming a bad family.
std::vector<uint8_t> encode_natlook(Flavor flavor, const NatQuery& query);

/// rdaddr/rdport of an answered request; throws sdk::Error when `bytes` is not this flavour's size.
NatAnswer decode_natlook(Flavor flavor, int family, const std::vector<uint8_t>& bytes);

}  // namespace sshuttle::plugins::pf
