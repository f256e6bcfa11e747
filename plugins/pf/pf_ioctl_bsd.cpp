// SPDX-License-Identifier: LGPL-2.1-or-later
// pf ioctls on macOS, FreeBSD and OpenBSD. No <net/pfvar.h>: macOS does not ship it, and the request bytes
// come from the portable encoders, so this file needs nothing but open/ioctl and builds anywhere.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "pf_ioctl.hpp"

namespace sshuttle::plugins::pf {
namespace {

/// /dev/pf, open for one call sequence.
class PfDevice {
   public:
    PfDevice() : fd_(::open("/dev/pf", O_RDWR | O_CLOEXEC)) {
        if (fd_ < 0) throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("open /dev/pf: ") + std::strerror(errno), errno);
    }
    ~PfDevice() { ::close(fd_); }
    PfDevice(const PfDevice&) = delete;
    PfDevice& operator=(const PfDevice&) = delete;

    void call(uint32_t request, const char* name, std::vector<uint8_t>& bytes) const {
        if (::ioctl(fd_, static_cast<unsigned long>(request), bytes.data()) != 0)
            throw sdk::Error(SSHUTTLE_ESYSTEM, std::string(name) + " on /dev/pf: " + std::strerror(errno), errno);
    }

   private:
    int fd_;
};

}  // namespace

Flavor host_flavor() {
#if defined(__FreeBSD__)
    utsname names{};
    if (uname(&names) == 0) {
        std::string_view version(names.version);
        while (!version.empty() && (version.back() == '\n' || version.back() == ' ')) version.remove_suffix(1);
        if (version.ends_with("pfSense")) return Flavor::kPfSense;
    }
#endif
    return build_flavor();
}

NatAnswer natlook(Flavor flavor, const NatQuery& query) {
    std::vector<uint8_t> bytes = encode_natlook(flavor, query);
    PfDevice().call(diocnatlook(flavor), "DIOCNATLOOK", bytes);
    return decode_natlook(flavor, query.family, bytes);
}

void add_anchor_rule(Flavor flavor, AnchorKind kind, const std::string& anchor) {
    PfDevice pf;
    uint32_t pool_ticket = 0;
    if (rule_layout(flavor).pool_ticket) {
        std::vector<uint8_t> pooladdr(kPoolAddrSize, 0);
        pf.call(diocbeginaddrs(), "DIOCBEGINADDRS", pooladdr);
        pool_ticket = decode_pool_ticket(pooladdr);
    }
    // The same buffer twice: the first call stores the ruleset's ticket in it, the second appends.
    std::vector<uint8_t> rule = encode_anchor_rule(flavor, kind, anchor, kChangeGetTicket, pool_ticket);
    pf.call(diocchangerule(flavor), "DIOCCHANGERULE (get ticket)", rule);
    set_change_action(rule, kChangeAddTail);
    pf.call(diocchangerule(flavor), "DIOCCHANGERULE (add tail)", rule);
}

}  // namespace sshuttle::plugins::pf
