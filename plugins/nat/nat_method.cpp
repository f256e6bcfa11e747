// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nat_method.hpp"

#include <cerrno>

#include "common/original_dst_linux.hpp"
#include "nat_rules.hpp"

namespace sshuttle::plugins::nat {
namespace {

void check_request(const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET && req.family != SSHUTTLE_AF_INET6)
        throw sdk::Error(SSHUTTLE_EINVAL, "nat: invalid address family " + std::to_string(req.family));
    if (req.udp) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "nat: UDP is not supported (use --method tproxy)");
}

}  // namespace

NatMethod::NatMethod(const sdk::Host& host, const sdk::Options&) : host_(host) {}

bool NatMethod::is_supported(std::string& reason) {
    for (const std::string tool : {"iptables", "iptables-restore"}) {
        // --version proves the program exists and runs, without touching any table.
        if (host_.run({tool, "--version"}).exit_status != 0) {
            reason = "'" + tool + " --version' failed: is iptables installed?";
            return false;
        }
    }
    if (host_.run({"iptables", "-w", "-t", "nat", "-nL", "OUTPUT"}).exit_status != 0) {
        reason = "'iptables -w -t nat -nL OUTPUT' failed: no nat table (kernel module) or not root";
        return false;
    }
    reason = "iptables nat table is usable";
    return true;
}

void NatMethod::setup(const sdk::FwRequest& req) {
    check_request(req);
    restore(req);  // a crashed earlier instance on the same port may have left rules behind
    const std::string text = restore_input(req);
    host_.run_checked(restore_command(req.family), &text);
}

void NatMethod::update(const sdk::FwRequest& req) {
    check_request(req);
    const std::string text = update_input(req);
    host_.run_checked(restore_command(req.family), &text);
}

void NatMethod::restore(const sdk::FwRequest& req) {
    bool chain_exists = false;
    for (const Argv& list : listing_commands(req.family)) {
        sdk::CommandResult shown = host_.run(list);
        if (shown.exit_status != 0) continue;  // table not there: nothing of ours in it
        const std::string& table = list[3];
        if (table == "nat") chain_exists = chain_listed(shown.output, req.port);
        for (const Argv& del : stale_rule_deletions(req.family, table, shown.output, req.port)) host_.run(del);
    }
    if (!chain_exists) return;  // removing a missing chain only prints iptables errors
    for (const Argv& cmd : chain_removal_commands(req.family, req.port)) host_.run(cmd);
    // Rules left behind after exit would keep capturing traffic: check, and say so if the chain survived.
    const Argv list = listing_commands(req.family).front();
    sdk::CommandResult after = host_.run(list);
    if (after.exit_status == 0 && chain_listed(after.output, req.port))
        throw sdk::Error(SSHUTTLE_ECOMMAND, "nat: chain " + chain_name(req.port) + " is still there after removal");
}

std::string NatMethod::render(const sdk::FwRequest& req) {
    check_request(req);
    return nat::render(req);
}

bool NatMethod::original_dst(int fd, sockaddr_storage& out, socklen_t& len) {
#if defined(__linux__)
    return original_dst_linux(fd, out, len);
#else
    (void)fd, (void)out, (void)len;
    errno = ENOTSUP;
    return false;
#endif
}

}  // namespace sshuttle::plugins::nat
