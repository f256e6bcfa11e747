// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/caller_checks.hpp"

#include <utility>

namespace sshuttle::fwmgr {
namespace {

std::string check_port(uint16_t port, SocketKind kind, const Caller& caller, const PortOwners& owners) {
    if (port == 0) return {};
    const char* what = kind == SocketKind::kTcpListen ? "TCP port" : "DNS (UDP) port";
    const std::set<uid_t> holders = owners(port, kind);
    if (holders.empty())
        return std::string(what) + " " + std::to_string(port) + " has no listening socket of uid " +
               std::to_string(caller.uid);
    for (uid_t holder : holders) {
        if (holder != caller.uid)
            return std::string(what) + " " + std::to_string(port) + " is held by uid " + std::to_string(holder) +
                   ", not by the caller (uid " + std::to_string(caller.uid) + ")";
    }
    return {};
}

}  // namespace

std::string why_refused(const InstallOrder& order, const Caller& caller, const PortOwners& owners) {
    if (caller.root) return {};
    const std::string who = " (caller uid " + std::to_string(caller.uid) + ", from " + caller.how + ")";
    if (order.go.uid != -1 && order.go.uid != static_cast<int64_t>(caller.uid))
        return "GO names uid " + std::to_string(order.go.uid) + ": only your own traffic may be redirected" + who;
    if (order.go.gid != -1 && order.go.gid != static_cast<int64_t>(caller.gid))
        return "GO names gid " + std::to_string(order.go.gid) + ": only your own group may be named" + who;
    for (auto [port, kind] : {std::pair{order.ports.tcp_v6, SocketKind::kTcpListen},
                              std::pair{order.ports.tcp_v4, SocketKind::kTcpListen},
                              std::pair{order.ports.dns_v6, SocketKind::kUdpBound},
                              std::pair{order.ports.dns_v4, SocketKind::kUdpBound}}) {
        if (std::string why = check_port(port, kind, caller, owners); !why.empty()) return why;
    }
    return {};
}

}  // namespace sshuttle::fwmgr
