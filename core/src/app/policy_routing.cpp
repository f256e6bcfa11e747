// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/policy_routing.hpp"

#include <sstream>
#include <stdexcept>

#include "util/log.hpp"
#include "util/process.hpp"

namespace sshuttle::app {
namespace {

using Argv = std::vector<std::string>;

std::string flag(net::Family family) { return family == net::Family::kIPv6 ? "-6" : "-4"; }

bool parse_hex(const std::string& text, uint32_t& value) {
    try {
        std::size_t used = 0;
        const unsigned long parsed = std::stoul(text, &used, 16);
        if (used != text.size() || parsed > 0xffffffffUL) return false;
        value = static_cast<uint32_t>(parsed);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

uint32_t mark_value(const std::string& tmark) {
    uint32_t mark = 0;
    if (!parse_hex(tmark, mark)) throw std::runtime_error("invalid --tmark '" + tmark + "': not a hexadecimal value");
    return mark;
}

std::string output_of(const Argv& argv) {
    const util::RunResult result = util::run_command(argv);
    if (result.exit_status != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
        throw std::runtime_error("'" + cmd + "' failed" + (result.error.empty() ? "" : ": " + result.error));
    }
    return result.output;
}

void run_checked(const Argv& argv) { output_of(argv); }

bool routing_present(net::Family family, uint32_t mark) {
    for (const auto& table : tables_for_mark(output_of({"ip", flag(family), "rule", "show"}), mark)) {
        const util::RunResult routes = util::run_command({"ip", flag(family), "route", "show", "table", table});
        if (routes.exit_status == 0 && has_local_default(routes.output)) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> tables_for_mark(const std::string& rule_listing, uint32_t mark) {
    std::vector<std::string> tables;
    std::istringstream lines(rule_listing);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string word, previous, table;
        bool marked = false;
        while (words >> word) {
            if (previous == "fwmark") {
                // "0x1" or "0x1/0xff": the rule matches our packets when the masked values agree.
                const auto slash = word.find('/');
                uint32_t value = 0, mask = 0xffffffff;
                if (parse_hex(word.substr(0, slash), value) &&
                    (slash == std::string::npos || parse_hex(word.substr(slash + 1), mask)))
                    marked = (mark & mask) == (value & mask);
            }
            if (previous == "lookup" || previous == "table") table = word;
            previous = word;
        }
        if (marked && !table.empty()) tables.push_back(table);
    }
    return tables;
}

bool has_local_default(const std::string& route_listing) {
    std::istringstream lines(route_listing);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("local default dev lo", 0) == 0) return true;
    return false;
}

std::string missing_routing_message(const std::vector<net::Family>& families, const std::string& tmark) {
    std::string commands;
    for (net::Family family : families) {
        const std::string ip = family == net::Family::kIPv6 ? "ip -6" : "ip";
        commands += (commands.empty() ? "" : "; ") + ip + " rule add fwmark " + tmark + " lookup 100; " + ip +
                    " route add local default dev lo table 100";
    }
    return "method tproxy: packets marked " + tmark +
           " are not routed to this machine (policy routing missing); run as root: " + commands +
           " (or start sshuttle with --tproxy-setup-routes)";
}

void check_policy_routing(const std::vector<net::Family>& families, const std::string& tmark) {
    const uint32_t mark = mark_value(tmark);
    std::vector<net::Family> missing;
    for (net::Family family : families)
        if (!routing_present(family, mark)) missing.push_back(family);
    if (!missing.empty()) throw std::runtime_error(missing_routing_message(missing, tmark));
}

OwnPolicyRoutes::OwnPolicyRoutes(const std::vector<net::Family>& families, const std::string& tmark, uint16_t port)
    : families_(families), table_(std::to_string(kOwnTableBase + port)) {
    mark_value(tmark);  // a bad mark fails before anything is installed
    remove();           // leftovers of a crashed instance on the same port
    try {
        for (net::Family family : families_) {
            run_checked({"ip", flag(family), "rule", "add", "fwmark", tmark, "lookup", table_, "pref",
                         std::to_string(kOwnRulePriority)});
            run_checked({"ip", flag(family), "route", "replace", "local", "default", "dev", "lo", "table", table_});
            spdlog::debug("policy routing ({}): fwmark {} -> table {} (local default dev lo)", flag(family), tmark,
                          table_);
        }
    } catch (...) {
        remove();
        throw;
    }
}

OwnPolicyRoutes::~OwnPolicyRoutes() {
    try {
        remove();
    } catch (const std::exception& e) {
        spdlog::warn("{}", e.what());
    }
}

void OwnPolicyRoutes::remove() {
    for (net::Family family : families_) {
        // Look first, so that nothing complains about what the firewall manager removed already.
        const util::RunResult rules = util::run_command({"ip", flag(family), "rule", "show"});
        std::istringstream lines(rules.exit_status == 0 ? rules.output : "");
        for (std::string line; std::getline(lines, line);)
            if (line.find("lookup " + table_) != std::string::npos)
                run_checked({"ip", flag(family), "rule", "del", "lookup", table_});
        const util::RunResult routes = util::run_command({"ip", flag(family), "route", "show", "table", table_});
        if (routes.exit_status == 0 && routes.output.find_first_not_of(" \t\r\n") != std::string::npos)
            run_checked({"ip", flag(family), "route", "flush", "table", table_});
    }
}

}  // namespace sshuttle::app
