// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tproxy_rules.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/shell_quote.hpp"
#include "tproxy_routes.hpp"

namespace sshuttle::plugins::tproxy {

using common::join_shell_words;

namespace {

// Marks are shown in hex, as iptables-save and nft list print them.
std::string hex(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", value);
    return buf;
}

bool is_v6(int family) { return family == SSHUTTLE_AF_INET6; }

std::string binary(int family) { return is_v6(family) ? "ip6tables" : "iptables"; }

std::string dport(const sdk::Subnet& s) {
    if (s.port_first == 0) return "";
    if (s.port_first == s.port_last) return " --dport " + std::to_string(s.port_first);
    return " --dport " + std::to_string(s.port_first) + ":" + std::to_string(s.port_last);
}

// The per-subnet pair of rules (mark chain, tproxy chain) for one protocol.
std::string subnet_rules(const sdk::FwRequest& req, const sdk::Subnet& s, const std::string& proto) {
    const std::string m = "-A " + mark_chain(req.port) + " ";
    const std::string t = "-A " + tproxy_chain(req.port) + " ";
    const std::string match =
        " --dest " + s.address + "/" + std::to_string(s.prefix) + " -m " + proto + " -p " + proto + dport(s);
    if (s.exclude) return m + "-j RETURN" + match + "\n" + t + "-j RETURN" + match + "\n";
    return m + "-j MARK --set-mark " + req.tmark + match + "\n" + t + "-j TPROXY --tproxy-mark " + req.tmark + match +
           " --on-port " + std::to_string(req.port) + "\n";
}

}  // namespace

std::string mark_chain(int port) { return "sshuttle-m-" + std::to_string(port); }
std::string tproxy_chain(int port) { return "sshuttle-t-" + std::to_string(port); }
std::string divert_chain(int port) { return "sshuttle-d-" + std::to_string(port); }

Argv restore_command(int family) { return {binary(family) + "-restore", "--noflush", "-w"}; }

namespace {

// The three chains' declarations (each creates the chain, or flushes it when it exists).
std::string chain_declarations(int port) {
    return "*mangle\n:" + mark_chain(port) + " - [0:0]\n:" + divert_chain(port) + " - [0:0]\n:" + tproxy_chain(port) +
           " - [0:0]\n";
}

// The rules inside the three chains, in order.
std::string chain_rules(const sdk::FwRequest& req) {
    const std::string m = mark_chain(req.port), t = tproxy_chain(req.port), d = divert_chain(req.port);
    std::string out;
    if (req.bypass_mark != 0) {
        const std::string bypass = " -m mark --mark " + hex(req.bypass_mark) + " -j RETURN\n";
        out += "-A " + m + bypass + "-A " + t + bypass;
    }
    if (req.dns_port != 0) {
        const std::string host = is_v6(req.family) ? "/128" : "/32";
        for (const auto& ns : req.nameservers) {
            const std::string match = " --dest " + ns + host + " -m udp -p udp --dport 53";
            out += "-A " + m + " -j MARK --set-mark " + req.tmark + match + "\n";
            out += "-A " + t + " -j TPROXY --tproxy-mark " + req.tmark + match + " --on-port " +
                   std::to_string(req.dns_port) + "\n";
        }
    }
    // Packets to our own addresses skip both chains (DNS above is the exception).
    out += "-A " + t + " -j RETURN -m addrtype --dst-type LOCAL\n";
    out += "-A " + m + " -j RETURN -m addrtype --dst-type LOCAL\n";
    out += "-A " + d + " -j MARK --set-mark " + req.tmark + "\n-A " + d + " -j ACCEPT\n";
    out += "-A " + t + " -m socket -j " + d + " -m tcp -p tcp\n";
    if (req.udp) out += "-A " + t + " -m socket -j " + d + " -m udp -p udp\n";
    for (const auto& s : req.subnets) {
        out += subnet_rules(req, s, "tcp");
        if (req.udp) out += subnet_rules(req, s, "udp");
    }
    return out;
}

}  // namespace

std::string restore_input(const sdk::FwRequest& req) {
    return chain_declarations(req.port) + "-I OUTPUT 1 -j " + mark_chain(req.port) + "\n-I PREROUTING 1 -j " +
           tproxy_chain(req.port) + "\n" + chain_rules(req) + "COMMIT\n";
}

std::string update_input(const sdk::FwRequest& req) {
    // Declared chains are flushed in the same commit that refills them; the jumps from OUTPUT/PREROUTING stay.
    return chain_declarations(req.port) + chain_rules(req) + "COMMIT\n";
}

std::vector<Argv> teardown_commands(int family, int port) {
    const std::string ipt = binary(family);
    const Argv base{ipt, "-w", "-t", "mangle"};
    auto cmd = [&](std::initializer_list<std::string> rest) {
        Argv argv = base;
        argv.insert(argv.end(), rest);
        return argv;
    };
    const std::string m = mark_chain(port), t = tproxy_chain(port), d = divert_chain(port);
    // The tproxy chain jumps to the divert chain, so it is flushed before the divert chain is deleted.
    return {cmd({"-D", "OUTPUT", "-j", m}),
            cmd({"-D", "PREROUTING", "-j", t}),
            cmd({"-F", m}),
            cmd({"-X", m}),
            cmd({"-F", t}),
            cmd({"-X", t}),
            cmd({"-F", d}),
            cmd({"-X", d})};
}

Argv list_command(int family) { return {binary(family), "-w", "-t", "mangle", "-S"}; }

std::vector<Argv> present_teardown_commands(int family, int port, const std::string& listing) {
    std::vector<std::string> lines;
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
        lines.push_back(line);
    }
    auto count = [&](const std::string& wanted) {
        return std::count(lines.begin(), lines.end(), wanted);
    };
    std::vector<Argv> out;
    for (const Argv& cmd : teardown_commands(family, port)) {
        // cmd is {ipt, -w, -t, mangle, op, ...}: -D <hook> -j <chain>, or -F/-X <chain>.
        const std::string& op = cmd[4];
        if (op == "-D") {
            const auto n = count("-A " + cmd[5] + " -j " + cmd[7]);
            for (long i = 0; i < n; ++i) out.push_back(cmd);
        } else if (count("-N " + cmd[5]) > 0) {
            out.push_back(cmd);
        }
    }
    return out;
}

std::string render(const sdk::FwRequest& req, bool own_routes) {
    const std::string label = is_v6(req.family) ? "ipv6" : "ipv4";
    std::string out = "# " + label + " setup: teardown below first (stale rules of port " + std::to_string(req.port) +
                      ", errors ignored), then:\n";
    if (own_routes) {
        out += "# " + label + " policy routing of its own (--tproxy-setup-routes), before the rules:\n";
        for (const auto& cmd : own_routes_setup(req.family, req.port, req.tmark)) out += join_shell_words(cmd) + "\n";
    }
    out += "# " + label + ": " + join_shell_words(restore_command(req.family)) + " <<EOF\n" + restore_input(req) +
           "EOF\n";
    out += "# " + label + " teardown:\n";
    for (const auto& cmd : teardown_commands(req.family, req.port)) out += join_shell_words(cmd) + "\n";
    if (own_routes) {
        const std::string table = std::to_string(own_table(req.port));
        const std::string flag = is_v6(req.family) ? "-6" : "-4";
        out += "ip " + flag + " rule del lookup " + table + "\nip " + flag + " route flush table " + table + "\n";
    }
    return out;
}

}  // namespace sshuttle::plugins::tproxy
