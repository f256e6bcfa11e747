// SPDX-License-Identifier: LGPL-2.1-or-later
// A firewall plugin for the QUERY_PF_NAT tests: it installs nothing, declares SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER
// and exports sshuttle_pf_natlook_v1 with a made-up kernel answer, so the whole exchange (client, line
// protocol, real manager process, module symbol) runs on Linux. Its answer: the original destination is
// 203.0.113.7 (IPv4) or 2001:db8::7 (IPv6), port = the client's source port; source port 1 has no state.
#include <cerrno>
#include <cstring>

#include "sshuttle/plugin_sdk.hpp"

namespace {

class NatFake {
   public:
    NatFake(const sshuttle::sdk::Host&, const sshuttle::sdk::Options&) {}
    bool is_supported(std::string& reason) {
        reason = "test fixture";
        return true;
    }
    void setup(const sshuttle::sdk::FwRequest&) {}
    void restore(const sshuttle::sdk::FwRequest&) {}
    std::string render(const sshuttle::sdk::FwRequest&) { return "# nothing\n"; }
};

}  // namespace

SSHUTTLE_DECLARE_FIREWALL(NatFake, "natfake", "QUERY_PF_NAT test fixture",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP |
                              SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER,
                          90)

extern "C" SSHUTTLE_EXPORT int sshuttle_pf_natlook_v1(int family, int proto, const uint8_t* src_addr,
                                                      uint16_t src_port, const uint8_t* dst_addr, uint16_t dst_port,
                                                      uint8_t* out_addr, uint16_t* out_port, sshuttle_error* err) {
    (void)src_addr;
    (void)dst_addr;
    (void)dst_port;
    if (proto != 6 || src_port == 1) {
        sshuttle::sdk::fill_error(err, "DIOCNATLOOK on /dev/pf: No such file or directory", ENOENT);
        return SSHUTTLE_ESYSTEM;
    }
    std::memset(out_addr, 0, 16);
    if (family == SSHUTTLE_AF_INET6) {
        const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
        std::memcpy(out_addr, v6, 16);
    } else {
        const uint8_t v4[4] = {203, 0, 113, 7};
        std::memcpy(out_addr, v4, 4);
    }
    *out_port = src_port;
    return SSHUTTLE_OK;
}
