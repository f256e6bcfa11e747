// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/subnet_parse.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

#include "net/parse_error.hpp"
#include "net/resolve.hpp"
#include "net/text_limit.hpp"
#include "util/bounded_file.hpp"

namespace sshuttle::net {
namespace {

// A subnet file holds a few hundred lines at most: /dev/zero or a huge file is refused, not read.
constexpr std::size_t kMaxSubnetFileBytes = 4 << 20;

// Upstream's two patterns: more than one ':' means IPv6 (mask inside the optional brackets; a port needs
// them), otherwise IPv4 or a name. Both allow a leading `*.` wildcard.
const std::regex kIPv6Pattern(R"(^(?:\[?(?:\*\.)?([\w:]+)(?:/(\d+))?\]?)(?::(\d+)(?:-(\d+))?)?$)");
const std::regex kIPv4Pattern(R"(^((?:\*\.)?[\w.\-]+)(?:/(\d+))?(?::(\d+)(?:-(\d+))?)?$)");

struct SubnetParts {
    std::string host;
    std::string prefix;  // empty = none
    std::string first_port;
    std::string last_port;
};

SubnetParts split_subnet(const std::string& text, const std::string& context) {
    const bool is_v6 = std::count(text.begin(), text.end(), ':') > 1;
    std::smatch m;
    if (!std::regex_match(text, m, is_v6 ? kIPv6Pattern : kIPv4Pattern)) {
        throw ParseError(context + ": expected ADDRESS[/PREFIX][:PORT[-PORT]]");
    }
    return {m[1].str(), m[2].str(), m[3].str(), m[4].str()};
}

std::string pad_to_dotted_quad(std::string host) {
    for (auto dots = std::count(host.begin(), host.end(), '.'); dots < 3; ++dots) host += ".0";
    return host;
}

// `10/8` is 0.0.0.10/8 under inet_aton (upstream since 0.78.4); almost nobody means that.
void warn_on_short_number(const SubnetParts& parts, const Subnet& subnet, const std::string& text,
                          std::vector<std::string>* warnings) {
    const bool is_short = std::count(parts.host.begin(), parts.host.end(), '.') < 3;
    const bool is_zero = subnet.address == IpAddress{};
    if (parts.prefix.empty() || !is_short || is_zero || !is_inet_aton_number(parts.host)) return;
    report_warning(warnings, "subnet '" + text + "' means " + subnet.to_string() + " (inet_aton rules); write " +
                                 pad_to_dotted_quad(parts.host) + "/" + parts.prefix +
                                 " if that is what you meant");
}

void check_mask_applies(const std::vector<IpAddress>& addresses, const SubnetParts& parts,
                        const std::string& context, std::vector<std::string>* warnings) {
    if (parts.prefix.empty()) return;
    const auto v4 = std::count_if(addresses.begin(), addresses.end(),
                                  [](const IpAddress& a) { return a.family == Family::kIPv4; });
    const auto v6 = static_cast<long>(addresses.size()) - v4;
    if (v4 > 0 && v6 > 0) {
        throw ParseError(context + ": '" + parts.host + "' has IPv4 and IPv6 addresses, so /" + parts.prefix +
                         " is ambiguous; give the addresses instead");
    }
    if (v4 > 1 || v6 > 1) {
        report_warning(
            warnings, "'" + parts.host + "' has several addresses; /" + parts.prefix + " applies to each of them");
    }
}

}  // namespace

std::vector<Subnet> parse_subnetport(const std::string& text, std::vector<std::string>* warnings) {
    check_address_length(text, "subnet");
    const std::string context = "invalid subnet '" + text + "'";
    const SubnetParts parts = split_subnet(text, context);

    Subnet pattern;
    if (!parts.first_port.empty()) {
        pattern.port_first = parse_port_digits(parts.first_port, context);
        pattern.port_last =
            parts.last_port.empty() ? pattern.port_first : parse_port_digits(parts.last_port, context);
        if (pattern.port_last < pattern.port_first) {
            throw ParseError(context + ": port range " + parts.first_port + "-" + parts.last_port +
                             " is inverted");
        }
        // Port 0 means "all ports" (upstream passes no --dport for it), which cannot start a range.
        if (pattern.port_first == 0 && pattern.port_last != 0) {
            throw ParseError(context + ": a port range cannot start at 0");
        }
    }

    const std::vector<IpAddress> addresses = resolve_host(parts.host, context);
    check_mask_applies(addresses, parts, context, warnings);

    std::vector<Subnet> subnets;
    for (const IpAddress& address : addresses) {
        Subnet subnet = pattern;
        subnet.address = address;
        subnet.prefix = address.max_prefix();
        if (!parts.prefix.empty()) {
            const long long prefix = parse_bounded_digits(parts.prefix);
            if (prefix > address.max_prefix()) {
                throw ParseError(context + ": prefix " + parts.prefix + " > " +
                                 std::to_string(address.max_prefix()));
            }
            subnet.prefix = static_cast<int>(prefix);
        }
        subnets.push_back(subnet);
    }
    if (subnets.size() == 1) warn_on_short_number(parts, subnets.front(), text, warnings);
    return subnets;
}

std::vector<Subnet> read_subnet_file(const std::string& path, bool exclude, std::vector<std::string>* warnings) {
    std::istringstream file(util::read_named_file<ParseError>(path, kMaxSubnetFileBytes, "subnet file"));
    std::vector<Subnet> subnets;
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
        const auto first = line.find_first_not_of(" \t\r\n\f\v");
        if (first == std::string::npos || line[first] == '#') continue;
        const auto last = line.find_last_not_of(" \t\r\n\f\v");
        try {
            for (Subnet subnet : parse_subnetport(line.substr(first, last - first + 1), warnings)) {
                subnet.exclude = exclude;
                subnets.push_back(subnet);
            }
        } catch (const ParseError& e) {
            throw ParseError(path + ":" + std::to_string(number) + ": " + e.what());
        }
    }
    return subnets;
}

}  // namespace sshuttle::net
