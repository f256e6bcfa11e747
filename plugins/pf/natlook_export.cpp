// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's pf-private export sshuttle_pf_natlook_v1 (see pf_natlook_abi.h). Stateless: each call opens
// /dev/pf itself, so the manager needs no plugin instance for it.
#include <algorithm>

#include "pf_ioctl.hpp"
#include "pf_natlook_abi.h"

extern "C" SSHUTTLE_EXPORT int sshuttle_pf_natlook_v1(int family, int proto, const uint8_t* src_addr,
                                                      uint16_t src_port, const uint8_t* dst_addr, uint16_t dst_port,
                                                      uint8_t* out_addr, uint16_t* out_port, sshuttle_error* err) {
    using namespace sshuttle::plugins::pf;
    return sshuttle::sdk::guarded(err, [&] {
        if (src_addr == nullptr || dst_addr == nullptr || out_addr == nullptr || out_port == nullptr)
            throw sshuttle::sdk::Error(SSHUTTLE_EINVAL, "pf natlook: NULL argument");
        if (proto <= 0 || proto > 255)
            throw sshuttle::sdk::Error(SSHUTTLE_EINVAL, "pf natlook: invalid protocol " + std::to_string(proto));
        NatQuery query;
        query.family = family;
        query.proto = static_cast<uint8_t>(proto);
        std::copy_n(src_addr, 16, query.src.begin());
        std::copy_n(dst_addr, 16, query.dst.begin());
        query.src_port = src_port;
        query.dst_port = dst_port;
        const NatAnswer answer = natlook(host_flavor(), query);
        std::copy(answer.address.begin(), answer.address.end(), out_addr);
        *out_port = answer.port;
    });
}
