// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/nameservers.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace sshuttle::app {
namespace {

void add_unique(std::vector<net::IpAddress>& out, const net::IpAddress& address) {
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
}

}  // namespace

std::vector<net::IpAddress> parse_nameservers(std::string_view text) {
    std::vector<net::IpAddress> out;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string keyword, value;
        if (!(words >> keyword >> value)) continue;
        // resolv.conf keywords are matched case-insensitively by upstream (it lowercases the line).
        std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::tolower(c); });
        if (keyword != "nameserver") continue;
        // A zone id ("fe80::1%eth0") cannot go into a firewall rule (upstream #736); the address alone can.
        net::IpAddress address;
        if (net::IpAddress::parse(value.substr(0, value.find('%')), address)) add_unique(out, address);
    }
    return out;
}

std::vector<net::IpAddress> discover_nameservers(const std::vector<std::string>& files) {
    std::vector<net::IpAddress> out;
    for (const auto& path : files) {
        std::ifstream file(path);
        if (!file) continue;
        std::stringstream text;
        text << file.rdbuf();
        for (const auto& address : parse_nameservers(text.str())) add_unique(out, address);
    }
    return out;
}

std::vector<net::IpAddress> captured_nameservers(const cli::Options& options, const std::vector<std::string>& files) {
    std::vector<net::IpAddress> out;
    for (const auto& address : options.ns_hosts) add_unique(out, address);
    if (options.dns) {
        for (const auto& address : discover_nameservers(files)) add_unique(out, address);
    }
    return out;
}

}  // namespace sshuttle::app
