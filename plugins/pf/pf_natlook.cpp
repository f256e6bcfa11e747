// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pf_natlook.hpp"

#include <algorithm>

namespace sshuttle::plugins::pf {
namespace {

size_t address_bytes(int family) {
    if (family == SSHUTTLE_AF_INET) return 4;
    if (family == SSHUTTLE_AF_INET6) return 16;
    throw sdk::Error(SSHUTTLE_EINVAL, "pf natlook: invalid address family " + std::to_string(family));
}

void put_port(std::vector<uint8_t>& out, size_t offset, uint16_t port) {
    out[offset] = static_cast<uint8_t>(port >> 8);
    out[offset + 1] = static_cast<uint8_t>(port & 0xff);
}

}  // namespace

NatlookLayout natlook_layout(Flavor flavor) {
    switch (flavor) {
        case Flavor::kDarwin:
            return {84, 64, 68, 76, 80, 81, 83, kPfOut, 30};
        case Flavor::kOpenBsd:
            return {80, 68, 70, 74, 76, 77, 78, kPfInOut, 24};
        case Flavor::kFreeBsd:
        case Flavor::kPfSense:
            break;
    }
    return {76, 64, 66, 70, 72, 73, 74, kPfInOut, 28};
}

uint32_t diocnatlook(Flavor flavor) { return iowr('D', 23, static_cast<uint32_t>(natlook_layout(flavor).size)); }

std::vector<uint8_t> encode_natlook(Flavor flavor, const NatQuery& query) {
    const NatlookLayout layout = natlook_layout(flavor);
    const size_t length = address_bytes(query.family);
    std::vector<uint8_t> out(layout.size, 0);
    std::copy_n(query.src.begin(), length, out.begin() + kSaddrOffset);
    std::copy_n(query.dst.begin(), length, out.begin() + kDaddrOffset);
    put_port(out, layout.src_port, query.src_port);
    put_port(out, layout.dst_port, query.dst_port);
    out[layout.af] = query.family == SSHUTTLE_AF_INET6 ? layout.af_inet6 : 2;
    out[layout.proto] = query.proto;
    out[layout.direction] = layout.direction_value;
    return out;
}

NatAnswer decode_natlook(Flavor flavor, int family, const std::vector<uint8_t>& bytes) {
    const NatlookLayout layout = natlook_layout(flavor);
    if (bytes.size() != layout.size)
        throw sdk::Error(SSHUTTLE_EINVAL, "pf natlook: answer of " + std::to_string(bytes.size()) +
                                              " bytes, expected " + std::to_string(layout.size));
    NatAnswer answer;
    std::copy_n(bytes.begin() + kRdaddrOffset, address_bytes(family), answer.address.begin());
    answer.port = static_cast<uint16_t>((bytes[layout.rdst_port] << 8) | bytes[layout.rdst_port + 1]);
    return answer;
}

}  // namespace sshuttle::plugins::pf
