// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tproxy_method.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/shell_quote.hpp"
#include "common/transparent_udp_linux.hpp"
#include "tproxy_routes.hpp"
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

// The create() option that --tproxy-setup-routes becomes (the core passes a method's flags on by name).
constexpr const char* kSetupRoutesOption = "setup-routes";

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

TproxyMethod::TproxyMethod(const sdk::Host& host, const sdk::Options& options)
    : host_(host), setup_routes_(options.contains(kSetupRoutesOption)) {}

bool TproxyMethod::is_supported(std::string& reason) {
    for (const std::string tool : {"iptables", "ip6tables"}) {
        if (host_.run({tool, "-w", "-t", "mangle", "-nL", "PREROUTING"}).exit_status != 0) {
            reason = "'" + tool + " -w -t mangle -nL PREROUTING' failed: no iptables, no mangle table, or not root";
            return false;
        }
    }
    reason = "iptables mangle tables are usable (the mark needs policy routing: by hand or --tproxy-setup-routes)";
    return true;
}

void TproxyMethod::preflight(const std::vector<sdk::FwRequest>& requests) {
    if (setup_routes_ || requests.empty()) return;  // setup installs the routing itself
    const std::string& tmark = requests.front().tmark;
    uint32_t mark = 0;
    if (!parse_mark(tmark, mark))
        throw sdk::Error(SSHUTTLE_EINVAL, "tproxy: invalid mark '" + tmark + "': not a hexadecimal value");
    // IPv4 first in the message, whatever the order of the requests.
    std::vector<int> missing;
    for (int family : {SSHUTTLE_AF_INET, SSHUTTLE_AF_INET6}) {
        const bool requested = std::any_of(requests.begin(), requests.end(),
                                           [family](const sdk::FwRequest& r) { return r.family == family; });
        if (requested && !routing_present(family, mark)) missing.push_back(family);
    }
    if (!missing.empty()) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, missing_routing_message(missing, tmark));
}

bool TproxyMethod::routing_present(int family, uint32_t mark) {
    const Argv show = rule_show_command(family);
    const sdk::CommandResult rules = host_.run(show);
    const auto tables = rules.exit_status == 0 ? tables_for_mark(rules.output, mark) : std::nullopt;
    if (!tables)
        throw sdk::Error(SSHUTTLE_ECOMMAND,
                         "tproxy: cannot check the policy routing for the mark: '" + common::join_shell_words(show) +
                             "' " + (rules.exit_status == 0 ? "printed no rule listing" : "failed"));
    for (const std::string& table : *tables) {
        const sdk::CommandResult routes = host_.run(route_show_command(family, table));
        if (routes.exit_status == 0 && has_local_default(routes.output)) return true;
    }
    return false;
}

void TproxyMethod::setup(const sdk::FwRequest& req) {
    check_request(req);
    remove_rules(req);  // stale rules of a crashed instance on the same port
    if (setup_routes_) install_own_routes(req);
    const std::string text = restore_input(req);
    host_.run_checked(restore_command(req.family), &text);
}

void TproxyMethod::install_own_routes(const sdk::FwRequest& req) {
    uint32_t mark = 0;
    if (!parse_mark(req.tmark, mark))
        throw sdk::Error(SSHUTTLE_EINVAL, "tproxy: invalid mark '" + req.tmark + "': not a hexadecimal value");
    remove_own_routes(req);  // leftovers of a crashed instance on the same port
    // A failure here leaves a half-installed routing: the manager's restore (after a failed setup) removes it.
    for (const Argv& cmd : own_routes_setup(req.family, req.port, req.tmark)) host_.run_checked(cmd);
    host_.debug("policy routing (" + std::string(req.family == SSHUTTLE_AF_INET6 ? "IPv6" : "IPv4") + "): fwmark " +
                req.tmark + " -> table " + std::to_string(own_table(req.port)) + " (local default dev lo)");
}

void TproxyMethod::update(const sdk::FwRequest& req) {
    check_request(req);
    const std::string text = update_input(req);
    host_.run_checked(restore_command(req.family), &text);
}

void TproxyMethod::restore(const sdk::FwRequest& req) {
    // The routes go even when a rule could not be removed: a failure of one step must not leave the other behind.
    try {
        remove_rules(req);
    } catch (...) {
        remove_own_routes(req);
        throw;
    }
    remove_own_routes(req);
}

void TproxyMethod::remove_rules(const sdk::FwRequest& req) {
    // Only what the listing shows is removed, so restoring nothing prints no iptables "does not exist" noise.
    const sdk::CommandResult listing = host_.run(list_command(req.family));
    if (listing.exit_status != 0) return;  // no mangle table at all: nothing of ours can be there
    const std::vector<Argv> commands = present_teardown_commands(req.family, req.port, listing.output);
    int failures = 0;
    for (const Argv& cmd : commands)
        if (host_.run(cmd).exit_status != 0) ++failures;
    if (failures > 0)
        throw sdk::Error(SSHUTTLE_ECOMMAND, "tproxy: " + std::to_string(failures) + " of " +
                                                std::to_string(commands.size()) +
                                                " teardown commands failed for port " + std::to_string(req.port));
}

void TproxyMethod::remove_own_routes(const sdk::FwRequest& req) {
    const sdk::CommandResult rules = host_.run(rule_show_command(req.family));
    const sdk::CommandResult routes = host_.run(route_show_command(req.family, std::to_string(own_table(req.port))));
    if (rules.exit_status != 0) return;  // no `ip` or no policy routing: nothing of ours either
    const std::string route_listing = routes.exit_status == 0 ? routes.output : "";
    for (const Argv& cmd : own_routes_teardown(req.family, req.port, rules.output, route_listing))
        host_.run_checked(cmd);
}

std::string TproxyMethod::render(const sdk::FwRequest& req) {
    check_request(req);
    return tproxy::render(req, setup_routes_);
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

#if defined(__linux__)
bool TproxyMethod::recv_udp(int fd, void* buf, size_t len, size_t& got, sockaddr_storage& src, socklen_t& src_len,
                            sockaddr_storage& dst, socklen_t& dst_len) {
    const TransparentRead read = recv_with_original_dst(fd, buf, len, src, src_len, dst, dst_len);
    if (read.status == TransparentRead::kFailed) throw sdk::Error(SSHUTTLE_ESYSTEM, "tproxy: " + read.error, errno);
    got = read.size;
    return read.status == TransparentRead::kDatagram;
}

int TproxyMethod::open_udp_reply(const sockaddr* from, socklen_t from_len, const sockaddr* to, socklen_t to_len) {
    std::string error;
    const int fd = open_transparent_udp(from, from_len, to, to_len, error);
    if (fd < 0) throw sdk::Error(SSHUTTLE_ESYSTEM, "tproxy: UDP reply socket: " + error, errno);
    return fd;
}
#else
bool TproxyMethod::recv_udp(int, void*, size_t, size_t&, sockaddr_storage&, socklen_t&, sockaddr_storage&,
                            socklen_t&) {
    throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "tproxy: UDP needs Linux");
}

int TproxyMethod::open_udp_reply(const sockaddr*, socklen_t, const sockaddr*, socklen_t) {
    throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "tproxy: UDP needs Linux");
}
#endif

}  // namespace sshuttle::plugins::tproxy
