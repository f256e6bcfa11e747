// SPDX-License-Identifier: LGPL-2.1-or-later
// A firewall plugin for the QUERY_PF_NAT tests: it installs nothing, declares SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER
// and has the table member nat_lookup (ABI 1.2) with a made-up kernel answer, so the whole exchange (client,
// line protocol, real manager process, plugin table) runs on Linux. Its answer: the original destination is
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
    sshuttle::sdk::NatAnswer nat_lookup(const sshuttle::sdk::NatQuery& query) {
        if (query.proto != 6 || query.src_port == 1)
            throw sshuttle::sdk::Error(SSHUTTLE_ESYSTEM, "DIOCNATLOOK on /dev/pf: No such file or directory", ENOENT);
        sshuttle::sdk::NatAnswer answer;
        if (query.family == SSHUTTLE_AF_INET6) {
            const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
            std::memcpy(answer.address, v6, 16);
        } else {
            const uint8_t v4[4] = {203, 0, 113, 7};
            std::memcpy(answer.address, v4, 4);
        }
        answer.port = query.src_port;
        return answer;
    }
};

}  // namespace

SSHUTTLE_DECLARE_FIREWALL(NatFake, "natfake", "QUERY_PF_NAT test fixture",
                          SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP |
                              SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER,
                          90)
