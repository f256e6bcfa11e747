// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nft_rules.hpp"

#include <cstdio>

namespace sshuttle::plugins::nft {
namespace {

// Marks are shown in hex, as iptables-save and nft list print them.
std::string hex(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", value);
    return buf;
}

bool is_v6(int family) { return family == SSHUTTLE_AF_INET6; }

std::string family_label(int family) { return is_v6(family) ? "ipv6" : "ipv4"; }

// The address-match keyword of the family: "ip daddr" or "ip6 daddr".
std::string daddr(int family) { return is_v6(family) ? "ip6 daddr " : "ip daddr "; }

// Port part of a subnet rule: a single port, a range set, or any TCP packet.
std::string tcp_match(const sdk::Subnet& s) {
    if (s.port_first == 0) return "meta l4proto tcp ";
    if (s.port_first == s.port_last) return "tcp dport " + std::to_string(s.port_first) + " ";
    return "tcp dport { " + std::to_string(s.port_first) + "-" + std::to_string(s.port_last) + " } ";
}

}  // namespace

std::string table_name(int family, int port) { return "sshuttle-" + family_label(family) + "-" + std::to_string(port); }

std::string setup_script(const sdk::FwRequest& req) {
    const std::string table = table_name(req.family, req.port);
    std::string out = "add table inet " + table + "\n";
    for (const std::string hook : {"prerouting", "output"})
        out +=
            "add chain inet " + table + " " + hook + " { type nat hook " + hook + " priority -100; policy accept; }\n";
    out += "add chain inet " + table + " " + table + "\n";
    out += "add rule inet " + table + " output jump " + table + "\n";
    out += "add rule inet " + table + " prerouting jump " + table + "\n";
    return out + chain_rules(req);
}

std::string update_script(const sdk::FwRequest& req) {
    // One script is one transaction: the chain is emptied and refilled in the same commit.
    const std::string table = table_name(req.family, req.port);
    return "flush chain inet " + table + " " + table + "\n" + chain_rules(req);
}

std::string chain_rules(const sdk::FwRequest& req) {
    const std::string table = table_name(req.family, req.port);
    const std::string rule = "add rule inet " + table + " " + table + " ";
    const std::string nfproto = family_label(req.family);
    std::string out;
    if (req.bypass_mark != 0) out += rule + "meta mark " + hex(req.bypass_mark) + " return\n";
    // The table is inet (both families): packets of the other family leave at once.
    out += rule + "meta nfproto != " + nfproto + " return\n";
    if (req.dns_port != 0) {
        for (const auto& ns : req.nameservers)
            out += rule + daddr(req.family) + ns + " udp dport 53 redirect to :" + std::to_string(req.dns_port) + "\n";
    }
    out += rule + "fib daddr type local return\n";
    for (const auto& s : req.subnets) {
        out += rule + "meta nfproto " + nfproto + " " + tcp_match(s) + daddr(req.family) + s.address + "/" +
               std::to_string(s.prefix) +
               (s.exclude ? " return\n" : " redirect to :" + std::to_string(req.port) + "\n");
    }
    return out;
}

std::string teardown_script(int family, int port) { return "delete table inet " + table_name(family, port) + "\n"; }

std::string render(const sdk::FwRequest& req) {
    const std::string label = family_label(req.family);
    std::string out = "# " + label + " setup: stale table of port " + std::to_string(req.port) +
                      " deleted first (errors ignored):\nnft " + teardown_script(req.family, req.port);
    out += "# " + label + ": one transaction (libnftables; the same as nft -f -):\nnft -f - <<EOF\n" +
           setup_script(req) + "EOF\n";
    out += "# " + label + " teardown:\nnft " + teardown_script(req.family, req.port);
    return out;
}

}  // namespace sshuttle::plugins::nft
