// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nat_rules.hpp"

#include <cstdio>
#include <sstream>

#include "common/shell_quote.hpp"

namespace sshuttle::plugins::nat {

using common::join_shell_words;

namespace {

// Marks are shown in hex, as iptables-save and nft list print them.
std::string hex(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", value);
    return buf;
}

std::string family_label(int family) { return family == SSHUTTLE_AF_INET6 ? "ipv6" : "ipv4"; }

std::string host_prefix(int family) { return family == SSHUTTLE_AF_INET6 ? "/128" : "/32"; }

bool has_owner_match(const sdk::FwRequest& req) { return req.uid >= 0 || req.gid >= 0; }

// "-m mark --mark <port> " restricts the jumps to the marked packets of --user/--group.
std::string jump_match(const sdk::FwRequest& req) {
    return has_owner_match(req) ? "-m mark --mark " + std::to_string(req.port) + " " : "";
}

std::string dport(const sdk::Subnet& s) {
    if (s.port_first == 0) return "";
    if (s.port_first == s.port_last) return " --dport " + std::to_string(s.port_first);
    return " --dport " + std::to_string(s.port_first) + ":" + std::to_string(s.port_last);
}

std::string mangle_section(const sdk::FwRequest& req) {
    std::string owner = "-m owner";
    if (req.uid >= 0) owner += " --uid-owner " + std::to_string(req.uid);
    if (req.gid >= 0) owner += " --gid-owner " + std::to_string(req.gid);
    return "*mangle\n-I OUTPUT 1 " + owner + " -j MARK --set-mark " + std::to_string(req.port) + "\nCOMMIT\n";
}

std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

bool contains_sequence(const std::vector<std::string>& words, const std::vector<std::string>& seq) {
    for (size_t i = 0; i + seq.size() <= words.size(); ++i) {
        bool match = true;
        for (size_t j = 0; j < seq.size() && match; ++j) match = words[i + j] == seq[j];
        if (match) return true;
    }
    return false;
}

}  // namespace

std::string chain_name(int port) { return "sshuttle-" + std::to_string(port); }

std::string iptables_binary(int family) { return family == SSHUTTLE_AF_INET6 ? "ip6tables" : "iptables"; }

Argv restore_command(int family) { return {iptables_binary(family) + "-restore", "--noflush", "-w"}; }

namespace {

// The rules inside the chain, in order (after its declaration).
std::string chain_rules(const sdk::FwRequest& req) {
    const std::string chain = chain_name(req.port);
    const std::string append = "-A " + chain + " ";
    std::string out;
    if (req.bypass_mark != 0) out += append + "-m mark --mark " + hex(req.bypass_mark) + " -j RETURN\n";
    if (req.dns_port != 0) {
        for (const auto& ns : req.nameservers)
            out += append + "-j REDIRECT --dest " + ns + host_prefix(req.family) + " -p udp --dport 53 --to-ports " +
                   std::to_string(req.dns_port) + "\n";
    }
    for (const auto& s : req.subnets) {
        const std::string dest = s.address + "/" + std::to_string(s.prefix);
        if (s.exclude)
            out += append + "-j RETURN --dest " + dest + " -p tcp" + dport(s) + "\n";
        else
            out += append + "-j REDIRECT --dest " + dest + " -p tcp" + dport(s) + " --to-ports " +
                   std::to_string(req.port) + "\n";
    }
    // Last, so that explicitly listed local subnets still win (upstream moved it here in 1.1.2).
    out += append + "-j RETURN -m addrtype --dst-type LOCAL\n";
    return out;
}

}  // namespace

std::string restore_input(const sdk::FwRequest& req) {
    const std::string chain = chain_name(req.port);
    std::string out;
    if (has_owner_match(req)) out += mangle_section(req);
    out += "*nat\n:" + chain + " - [0:0]\n";  // creates the chain, or flushes it when it exists
    out += "-I OUTPUT 1 " + jump_match(req) + "-j " + chain + "\n";
    out += "-I PREROUTING 1 " + jump_match(req) + "-j " + chain + "\n";
    return out + chain_rules(req) + "COMMIT\n";
}

std::string update_input(const sdk::FwRequest& req) {
    // With --noflush, declaring the chain flushes it inside the same commit as the new rules: the kernel swaps
    // the whole table at COMMIT, so packets see either the old chain or the new one. The jumps stay as they are.
    return "*nat\n:" + chain_name(req.port) + " - [0:0]\n" + chain_rules(req) + "COMMIT\n";
}

std::vector<Argv> listing_commands(int family) {
    const std::string ipt = iptables_binary(family);
    // The whole nat table: it shows the jumps from OUTPUT and PREROUTING and whether our chain exists.
    return {{ipt, "-w", "-t", "nat", "-S"}, {ipt, "-w", "-t", "mangle", "-S", "OUTPUT"}};
}

bool chain_listed(const std::string& nat_listing, int port) {
    std::istringstream in(nat_listing);
    for (std::string line; std::getline(in, line);) {
        if (split_words(line) == std::vector<std::string>{"-N", chain_name(port)}) return true;
    }
    return false;
}

std::vector<Argv> stale_rule_deletions(int family, const std::string& table, const std::string& listing, int port) {
    std::vector<Argv> deletions;
    std::istringstream in(listing);
    // iptables -S prints the MARK target as --set-xmark <hex>/0xffffffff.
    std::ostringstream mark;
    mark << "0x" << std::hex << port << "/0xffffffff";
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> words = split_words(line);
        if (words.size() < 2 || words[0] != "-A") continue;
        const bool ours = table == "mangle" ? contains_sequence(words, {"-m", "owner"}) &&
                                                  contains_sequence(words, {"-j", "MARK", "--set-xmark", mark.str()})
                                            : contains_sequence(words, {"-j", chain_name(port)});
        if (!ours) continue;
        Argv cmd{iptables_binary(family), "-w", "-t", table, "-D"};
        cmd.insert(cmd.end(), words.begin() + 1, words.end());
        deletions.push_back(cmd);
    }
    return deletions;
}

std::vector<Argv> chain_removal_commands(int family, int port) {
    const std::string ipt = iptables_binary(family);
    return {{ipt, "-w", "-t", "nat", "-F", chain_name(port)}, {ipt, "-w", "-t", "nat", "-X", chain_name(port)}};
}

std::string render(const sdk::FwRequest& req) {
    const std::string label = family_label(req.family);
    std::string out = "# " + label + " setup: teardown below first (stale rules of port " + std::to_string(req.port) +
                      ", errors ignored), then:\n";
    out += "# " + label + ": " + join_shell_words(restore_command(req.family)) + " <<EOF\n" + restore_input(req) +
           "EOF\n";
    out += "# " + label + " teardown: each listed rule jumping to " + chain_name(req.port);
    out += " or owner-marking with " + std::to_string(req.port) + " is deleted with -D, then the chain if it exists\n";
    for (const auto& cmd : listing_commands(req.family)) out += join_shell_words(cmd) + "\n";
    for (const auto& cmd : chain_removal_commands(req.family, req.port)) out += join_shell_words(cmd) + "\n";
    return out;
}

}  // namespace sshuttle::plugins::nat
