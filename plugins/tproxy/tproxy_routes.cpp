// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tproxy_routes.hpp"

#include <sstream>

#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugins::tproxy {
namespace {

std::string family_flag(int family) { return family == SSHUTTLE_AF_INET6 ? "-6" : "-4"; }

}  // namespace

uint32_t own_table(int port) { return kOwnTableBase + static_cast<uint32_t>(port); }

Argv rule_show_command(int family) { return {"ip", family_flag(family), "rule", "show"}; }

Argv route_show_command(int family, uint32_t table) {
    return {"ip", family_flag(family), "route", "show", "table", std::to_string(table)};
}

std::vector<Argv> own_routes_teardown(int family, int port, const std::string& rule_listing,
                                      const std::string& route_listing) {
    const std::string table = std::to_string(own_table(port));
    std::vector<Argv> commands;
    // One delete per rule of ours: a crashed instance may have left duplicates.
    std::istringstream rules(rule_listing);
    for (std::string line; std::getline(rules, line);) {
        std::istringstream words(line);
        std::string previous, word;
        bool ours = false;
        while (words >> word) {
            if ((previous == "lookup" || previous == "table") && word == table) ours = true;
            previous = word;
        }
        if (ours) commands.push_back({"ip", family_flag(family), "rule", "del", "lookup", table});
    }
    if (route_listing.find_first_not_of(" \t\r\n") != std::string::npos)
        commands.push_back({"ip", family_flag(family), "route", "flush", "table", table});
    return commands;
}

}  // namespace sshuttle::plugins::tproxy
