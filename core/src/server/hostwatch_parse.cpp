// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/hostwatch_parse.hpp"

#include <sstream>

#include "net/asio_address.hpp"

namespace sshuttle::server {
namespace {

using boost::asio::ip::address;

bool parse_address(const std::string& text, address& out) {
    const auto parsed = net::parse_address(text);
    if (parsed) out = *parsed;
    return parsed.has_value();
}

std::string without_comment(std::string line) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    return line;
}

}  // namespace

std::vector<NamedAddress> parse_hosts_text(std::string_view text) {
    std::vector<NamedAddress> found;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(without_comment(line));
        std::string first;
        NamedAddress entry;
        if (!(words >> first) || !parse_address(first, entry.address)) continue;
        for (std::string name; words >> name;) entry.names.push_back(name);
        if (!entry.names.empty()) found.push_back(std::move(entry));
    }
    return found;
}

std::vector<NamedAddress> parse_cache_text(std::string_view text) {
    std::vector<NamedAddress> found;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        const auto comma = line.rfind(',');
        NamedAddress entry;
        if (comma == std::string::npos || comma == 0 || !parse_address(line.substr(comma + 1), entry.address))
            continue;
        entry.names.push_back(line.substr(0, comma));
        found.push_back(std::move(entry));
    }
    return found;
}

std::vector<address> parse_proc_net_arp(std::string_view text) {
    // "IP address  HW type  Flags  HW address  Mask  Device"; flags 0x0 = the kernel is still asking.
    std::vector<address> found;
    std::istringstream lines{std::string(text)};
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string ip, hw_type, flags;
        address parsed;
        if (!(words >> ip >> hw_type >> flags) || flags == "0x0" || !parse_address(ip, parsed)) continue;
        found.push_back(parsed);
    }
    return found;
}

std::vector<address> parse_ip_neigh(std::string_view text) {
    // "<ip> dev eth0 lladdr 02:.. REACHABLE"; the state is the last word.
    std::vector<address> found;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string ip, word, state;
        while (words >> word) state = word;
        address parsed;
        std::istringstream(line) >> ip;
        if (state == "FAILED" || state == "INCOMPLETE" || !parse_address(ip, parsed)) continue;
        found.push_back(parsed);
    }
    return found;
}

bool is_acceptable_host_name(std::string_view name) {
    if (name.empty() || name.size() > 253 || name == "localhost" || name.starts_with("localhost.")) return false;
    if (name.front() == '-' || name.front() == '.') return false;  // never mistaken for an option or a dot-name
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool is_ignored_address(const address& ip) {
    if (ip.is_unspecified() || ip.is_loopback() || ip.is_multicast()) return true;
    if (ip.is_v4()) {
        const auto first_octet = ip.to_v4().to_uint() >> 24;
        return first_octet == 127 || first_octet == 255 || first_octet == 0;
    }
    const auto v6 = ip.to_v6();
    return v6.is_link_local() || v6.is_v4_mapped();
}

std::vector<std::string> names_to_announce(const std::string& name) {
    std::string full = name;
    while (!full.empty() && full.back() == '.') full.pop_back();  // "host.example." is the same name
    std::vector<std::string> names;
    if (!is_acceptable_host_name(full)) return names;
    names.push_back(full);
    const auto dot = full.find('.');
    if (dot != std::string::npos && is_acceptable_host_name(full.substr(0, dot)))
        names.push_back(full.substr(0, dot));
    return names;
}

}  // namespace sshuttle::server
