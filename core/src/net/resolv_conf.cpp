// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/resolv_conf.hpp"

#include <fstream>
#include <sstream>

namespace sshuttle::net {
namespace {

constexpr std::string_view kKeyword = "nameserver";
constexpr std::string_view kBlanks = " \t";
// A value ends at any white space: a CRLF file's "\r" is not part of the address.
constexpr std::string_view kWhiteSpace = " \t\r\n\v\f";

// The address of one "nameserver" line, or "" when the line is something else.
std::string_view nameserver_value(std::string_view line) {
    if (line.substr(0, kKeyword.size()) != kKeyword) return {};
    line.remove_prefix(kKeyword.size());
    if (line.empty() || kBlanks.find(line.front()) == std::string_view::npos) return {};  // "nameservers ..."
    const std::size_t start = line.find_first_not_of(kBlanks);
    if (start == std::string_view::npos) return {};
    line.remove_prefix(start);
    return line.substr(0, line.find_first_of(kWhiteSpace));
}

}  // namespace

std::vector<IpAddress> parse_resolv_conf(std::string_view text) {
    std::vector<IpAddress> out;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view value = nameserver_value(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        IpAddress address;
        if (!value.empty() && IpAddress::parse(std::string(value.substr(0, value.find('%'))), address))
            out.push_back(address);
    }
    return out;
}

std::vector<IpAddress> read_resolv_conf(const std::string& path) {
    std::ifstream file(path);
    if (!file) return {};
    std::stringstream text;
    text << file.rdbuf();
    return parse_resolv_conf(text.str());
}

}  // namespace sshuttle::net
