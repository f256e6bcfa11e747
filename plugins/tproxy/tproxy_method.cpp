// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tproxy_method.hpp"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "tproxy_rules.hpp"

namespace sshuttle::plugins::tproxy {
namespace {

// Values from <linux/in.h> and <linux/in6.h>, spelled out so the file builds on every OS.
constexpr int kIpTransparent = 19;
constexpr int kIpRecvOrigDstAddr = 20;
constexpr int kIpv6Transparent = 75;
constexpr int kIpv6RecvOrigDstAddr = 74;
constexpr int kSolIp = 0;
constexpr int kSolIpv6 = 41;
// Stale jumps may have piled up; this bounds the delete loop if -D keeps succeeding for another reason.
constexpr int kMaxStaleJumps = 64;

void check_request(const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET && req.family != SSHUTTLE_AF_INET6)
        throw sdk::Error(SSHUTTLE_EINVAL, "tproxy: invalid address family " + std::to_string(req.family));
    if (req.uid >= 0 || req.gid >= 0)
        throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "tproxy: --user/--group are not supported (use --method nat)");
}

void set_int_option(int fd, int level, int name, const char* what) {
    const int one = 1;
    if (setsockopt(fd, level, name, &one, sizeof one) != 0)
        throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("tproxy: setsockopt ") + what + ": " + std::strerror(errno),
                         errno);
}

}  // namespace

TproxyMethod::TproxyMethod(const sdk::Host& host, const sdk::Options&) : host_(host) {}

bool TproxyMethod::is_supported(std::string& reason) {
    for (const std::string tool : {"iptables", "ip6tables"}) {
        if (host_.run({tool, "-w", "-t", "mangle", "-nL", "PREROUTING"}).exit_status != 0) {
            reason = "'" + tool + " -w -t mangle -nL PREROUTING' failed: no iptables, no mangle table, or not root";
            return false;
        }
    }
    reason = "iptables mangle tables are usable (policy routing for the tmark must be set up by hand)";
    return true;
}

void TproxyMethod::setup(const sdk::FwRequest& req) {
    check_request(req);
    restore(req);  // stale rules of a crashed instance on the same port
    const std::string text = restore_input(req);
    host_.run_checked(restore_command(req.family), &text);
}

void TproxyMethod::restore(const sdk::FwRequest& req) {
    const std::vector<Argv> commands = teardown_commands(req.family, req.port);
    for (const Argv& cmd : commands) {
        // Jump deletions repeat until they fail, removing piled-up duplicates; other failures mean "absent".
        const bool is_jump_delete = cmd[4] == "-D";
        for (int i = 0; i < (is_jump_delete ? kMaxStaleJumps : 1); ++i)
            if (host_.run(cmd).exit_status != 0) break;
    }
}

std::string TproxyMethod::render(const sdk::FwRequest& req) {
    check_request(req);
    return tproxy::render(req);
}

void TproxyMethod::prepare_listener(int fd, int family, bool is_udp) {
    if (family == SSHUTTLE_AF_INET6) {
        set_int_option(fd, kSolIpv6, kIpv6Transparent, "IPV6_TRANSPARENT");
        if (is_udp) set_int_option(fd, kSolIpv6, kIpv6RecvOrigDstAddr, "IPV6_RECVORIGDSTADDR");
    } else {
        set_int_option(fd, kSolIp, kIpTransparent, "IP_TRANSPARENT");
        if (is_udp) set_int_option(fd, kSolIp, kIpRecvOrigDstAddr, "IP_RECVORIGDSTADDR");
    }
}

bool TproxyMethod::original_dst(int fd, sockaddr_storage& out, socklen_t& len) {
    len = sizeof out;
    return getsockname(fd, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

}  // namespace sshuttle::plugins::tproxy
