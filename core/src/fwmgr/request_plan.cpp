// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/request_plan.hpp"

#include "net/rule_order.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::fwmgr {
namespace {

plugin::FirewallRequest request_for(const InstallOrder& order, net::Family family, uint16_t port, uint16_t dns_port) {
    plugin::FirewallRequest request;
    request.family = family;
    request.port = port;
    request.dns_port = dns_port;
    for (const auto& rule : order.routes)
        if (rule.address.family == family) request.subnets.push_back(rule);
    net::sort_rules(request.subnets);
    for (const auto& ns : order.nameservers)
        if (ns.family == family) request.nameservers.push_back(ns);
    request.udp = order.go.udp;
    request.uid = order.go.uid;
    request.gid = order.go.gid;
    request.tmark = order.go.tmark;
    request.bypass_mark = order.go.bypass_mark;
    return request;
}

}  // namespace

std::vector<plugin::FirewallRequest> plan_requests(const InstallOrder& order) {
    std::vector<plugin::FirewallRequest> requests;
    const Ports& p = order.ports;
    if (p.tcp_v6 != 0 || p.dns_v6 != 0) requests.push_back(request_for(order, net::Family::kIPv6, p.tcp_v6, p.dns_v6));
    if (p.tcp_v4 != 0 || p.dns_v4 != 0) requests.push_back(request_for(order, net::Family::kIPv4, p.tcp_v4, p.dns_v4));
    return requests;
}

std::string unsupported_reason(const std::vector<plugin::FirewallRequest>& requests, const std::string& method,
                               uint64_t features) {
    auto lacks = [features](uint64_t bit) { return (features & bit) == 0; };
    for (const auto& r : requests) {
        std::string what;
        if (r.family == net::Family::kIPv6 && lacks(SSHUTTLE_FEAT_IPV6))
            what = "IPv6";
        else if (r.family == net::Family::kIPv4 && lacks(SSHUTTLE_FEAT_IPV4))
            what = "IPv4";
        else if (r.udp && lacks(SSHUTTLE_FEAT_UDP))
            what = "UDP";
        else if (r.dns_port != 0 && lacks(SSHUTTLE_FEAT_DNS))
            what = "DNS";
        else if (r.uid >= 0 && lacks(SSHUTTLE_FEAT_USER))
            what = "--user";
        else if (r.gid >= 0 && lacks(SSHUTTLE_FEAT_GROUP))
            what = "--group";
        if (!what.empty()) return "method '" + method + "' does not support " + what;
    }
    return {};
}

const char* family_name(net::Family family) { return family == net::Family::kIPv6 ? "IPv6" : "IPv4"; }

}  // namespace sshuttle::fwmgr
