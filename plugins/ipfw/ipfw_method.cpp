// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ipfw_method.hpp"

#include "ipfw_rules.hpp"

namespace sshuttle::plugins::ipfw {
namespace {

#if defined(__FreeBSD__) || defined(__APPLE__)
constexpr bool kPlatformHasIpfw = true;
#else
constexpr bool kPlatformHasIpfw = false;
#endif

void require_platform() {
    if (!kPlatformHasIpfw) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "ipfw is not available on this OS");
}

}  // namespace

IpfwMethod::IpfwMethod(const sdk::Host& host, const sdk::Options&) : host_(host) {}

bool IpfwMethod::is_supported(std::string& reason) {
    if (!kPlatformHasIpfw) {
        reason = "ipfw is not available on this OS";
        return false;
    }
    if (host_.run({"ipfw", "list"}).exit_status != 0) {
        reason = "'ipfw list' failed: ipfw not loaded or not root";
        return false;
    }
    reason = "ipfw works";
    return true;
}

void IpfwMethod::setup(const sdk::FwRequest& req) {
    require_platform();
    const std::vector<Argv> commands = setup_commands(req);  // validates before touching anything
    restore(req);
    for (const Argv& cmd : commands) host_.run_checked(cmd);
    installed_ = req.subnets;
}

void IpfwMethod::update(const sdk::FwRequest& req) {
    require_platform();
    for (const Argv& cmd : update_commands(installed_, req)) host_.run_checked(cmd);
    installed_ = req.subnets;
}

void IpfwMethod::restore(const sdk::FwRequest&) {
    require_platform();
    for (const Argv& cmd : teardown_commands()) host_.run(cmd);  // "no such rule" is fine
}

std::string IpfwMethod::render(const sdk::FwRequest& req) { return ipfw::render(req); }

bool IpfwMethod::original_dst(int fd, sockaddr_storage& out, socklen_t& len) {
    len = sizeof out;
    return getsockname(fd, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

}  // namespace sshuttle::plugins::ipfw
