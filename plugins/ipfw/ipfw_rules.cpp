// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ipfw_rules.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "common/shell_quote.hpp"

namespace sshuttle::plugins::ipfw {
namespace {

Argv ipfw(std::initializer_list<std::string> args) {
    Argv argv{"ipfw", "-q"};
    argv.insert(argv.end(), args);
    return argv;
}

}  // namespace

std::vector<Argv> teardown_commands() {
    return {ipfw({"delete", "1"}), ipfw({"table", "124", "flush"}), ipfw({"table", "125", "flush"}),
            ipfw({"table", "126", "flush"})};
}

std::vector<Argv> setup_commands(const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "ipfw: IPv6 is not supported");
    const std::string port = std::to_string(req.port), dns_port = std::to_string(req.dns_port);
    std::vector<Argv> out{{"sysctl", "-w", "net.inet.ip.fw.enable=1"},
                          ipfw({"add", "1", "check-state", ":sshuttle"}),
                          ipfw({"add", "1", "skipto", "2", "tcp", "from", "any", "to", "table(125)"}),
                          ipfw({"add", "1", "fwd", "127.0.0.1," + port, "tcp", "from", "any", "to", "table(126)",
                                "setup", "keep-state", ":sshuttle"})};
    if (req.dns_port != 0 && !req.nameservers.empty()) {
        for (const auto& ns : req.nameservers) out.push_back(ipfw({"table", "124", "add", ns}));
        out.push_back(ipfw({"add", "1", "fwd", "127.0.0.1," + dns_port, "udp", "from", "any", "to", "table(124)",
                            "keep-state", ":sshuttle"}));
    }
    out.push_back(ipfw({"add", "1", "allow", "udp", "from", "any", "to", "any"}));
    // Tables match the longest prefix anyway; upstream adds by width, widest last. Ports are ignored.
    std::vector<sdk::Subnet> subnets = req.subnets;
    std::stable_sort(subnets.begin(), subnets.end(),
                     [](const sdk::Subnet& a, const sdk::Subnet& b) { return a.prefix > b.prefix; });
    for (const auto& s : subnets)
        out.push_back(ipfw({"table", s.exclude ? "125" : "126", "add", s.address + "/" + std::to_string(s.prefix)}));
    return out;
}

std::vector<Argv> update_commands(const std::vector<sdk::Subnet>& installed, const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "ipfw: IPv6 is not supported");
    // A table entry: its table (125 excludes, 126 includes) and address; ports are ignored, as in setup.
    using Entry = std::pair<std::string, std::string>;
    auto entry = [](const sdk::Subnet& s) {
        return Entry{s.exclude ? "125" : "126", s.address + "/" + std::to_string(s.prefix)};
    };
    std::set<Entry> before, after;
    for (const auto& s : installed) before.insert(entry(s));
    for (const auto& s : req.subnets) after.insert(entry(s));
    std::vector<Argv> out;
    for (const auto& [table, address] : after)
        if (before.count({table, address}) == 0) out.push_back(ipfw({"table", table, "add", address}));
    for (const auto& [table, address] : before)
        if (after.count({table, address}) == 0) out.push_back(ipfw({"table", table, "delete", address}));
    return out;
}

std::string render(const sdk::FwRequest& req) {
    std::string out = "# ipv4 setup (ipfw): teardown below first (errors ignored), then:\n";
    for (const auto& cmd : setup_commands(req)) out += common::join_shell_words(cmd) + "\n";
    out += "# ipv4 teardown:\n";
    for (const auto& cmd : teardown_commands()) out += common::join_shell_words(cmd) + "\n";
    return out;
}

}  // namespace sshuttle::plugins::ipfw
