// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tproxy_routes.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugins::tproxy {
namespace {

using nlohmann::json;

std::string family_flag(int family) { return family == SSHUTTLE_AF_INET6 ? "-6" : "-4"; }

/// The JSON array `text` holds, or nullopt: anything else (an error message, a cut-off listing) is no listing.
std::optional<json> parse_array(const std::string& text) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_array()) return std::nullopt;
    return parsed;
}

/// A member as text: strings as they are, numbers in decimal (ip prints tables and marks as strings, but a
/// number is read the same way rather than dropped); "" when absent or of another type.
std::string text_of(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
    return "";
}

/// The rule's mark and mask when it matches on one (ip omits the mask when it is 0xffffffff).
bool rule_mark(const json& rule, uint32_t& value, uint32_t& mask) {
    const auto mark = rule.find("fwmark");
    if (mark == rule.end()) return false;
    mask = 0xffffffff;
    const bool mark_ok = mark->is_number_unsigned() ? (value = mark->get<uint32_t>(), true)
                                                    : mark->is_string() && parse_mark(mark->get<std::string>(), value);
    const auto given_mask = rule.find("fwmask");
    if (given_mask == rule.end()) return mark_ok;
    return mark_ok && (given_mask->is_number_unsigned() ? (mask = given_mask->get<uint32_t>(), true)
                                                        : given_mask->is_string() &&
                                                              parse_mark(given_mask->get<std::string>(), mask));
}

}  // namespace

uint32_t own_table(int port) { return kOwnTableBase + static_cast<uint32_t>(port); }

bool parse_mark(const std::string& text, uint32_t& value) {
    const std::string digits = text.starts_with("0x") || text.starts_with("0X") ? text.substr(2) : text;
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (digits.empty() || digits.size() > 8 || !std::all_of(digits.begin(), digits.end(), hex)) return false;
    value = static_cast<uint32_t>(std::stoul(digits, nullptr, 16));
    return true;
}

Argv rule_show_command(int family) { return {"ip", "-j", family_flag(family), "rule", "show"}; }

Argv route_show_command(int family, const std::string& table) {
    return {"ip", "-j", family_flag(family), "route", "show", "table", table};
}

std::optional<std::vector<std::string>> tables_for_mark(const std::string& rule_json, uint32_t mark) {
    const std::optional<json> rules = parse_array(rule_json);
    if (!rules) return std::nullopt;
    std::vector<std::string> tables;
    for (const json& rule : *rules) {
        if (!rule.is_object() || rule.contains("not")) continue;  // `not fwmark X` is for the other packets
        uint32_t value = 0, mask = 0;
        const std::string table = text_of(rule, "table");
        if (!table.empty() && rule_mark(rule, value, mask) && (mark & mask) == (value & mask)) tables.push_back(table);
    }
    return tables;
}

bool has_local_default(const std::string& route_json) {
    const std::optional<json> routes = parse_array(route_json);
    if (!routes) return false;
    return std::any_of(routes->begin(), routes->end(), [](const json& route) {
        return route.is_object() && text_of(route, "type") == "local" && text_of(route, "dst") == "default" &&
               text_of(route, "dev") == "lo";
    });
}

std::string missing_routing_message(const std::vector<int>& families, const std::string& tmark) {
    std::string commands;
    for (int family : families) {
        const std::string ip = family == SSHUTTLE_AF_INET6 ? "ip -6" : "ip";
        commands += (commands.empty() ? "" : "; ") + ip + " rule add fwmark " + tmark + " lookup 100; " + ip +
                    " route add local default dev lo table 100";
    }
    return "method tproxy: packets marked " + tmark +
           " are not routed to this machine (policy routing missing); run as root: " + commands +
           " (or start sshuttle with --tproxy-setup-routes)";
}

std::vector<Argv> own_routes_setup(int family, int port, const std::string& tmark) {
    const std::string table = std::to_string(own_table(port));
    return {{"ip", family_flag(family), "rule", "add", "fwmark", tmark, "lookup", table, "pref",
             std::to_string(kOwnRulePriority)},
            {"ip", family_flag(family), "route", "replace", "local", "default", "dev", "lo", "table", table}};
}

std::vector<Argv> own_routes_teardown(int family, int port, const std::string& rule_json,
                                      const std::string& route_json) {
    const std::string table = std::to_string(own_table(port));
    std::vector<Argv> commands;
    if (const std::optional<json> rules = parse_array(rule_json)) {
        for (const json& rule : *rules)
            if (rule.is_object() && text_of(rule, "table") == table)
                commands.push_back({"ip", family_flag(family), "rule", "del", "lookup", table});
    }
    const std::optional<json> routes = parse_array(route_json);
    if (routes && !routes->empty()) commands.push_back({"ip", family_flag(family), "route", "flush", "table", table});
    return commands;
}

}  // namespace sshuttle::plugins::tproxy
