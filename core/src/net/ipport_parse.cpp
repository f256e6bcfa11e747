// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/ipport_parse.hpp"

#include <algorithm>
#include <regex>

#include "net/parse_error.hpp"
#include "net/resolve.hpp"
#include "net/text_limit.hpp"

namespace sshuttle::net {
namespace {

const std::regex kBracketedPattern(R"(^\[([^\]]+)\](?::(\d+))?$)");
const std::regex kHostPattern(R"(^([\w.\-]+)(?::(\d+))?$)");

bool is_all_digits(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Endpoint resolve_endpoint(const std::string& host, const std::string& port, const std::string& context,
                          std::vector<std::string>* warnings) {
    Endpoint endpoint;
    endpoint.port = port.empty() ? 0 : parse_port_digits(port, context);
    const std::vector<IpAddress> addresses = resolve_host(host, context);
    // Upstream takes min() of getaddrinfo's tuples: AF_INET sorts before AF_INET6, then the address text.
    const auto lowest = std::min_element(addresses.begin(), addresses.end(), [](const auto& a, const auto& b) {
        return std::pair(a.family, a.to_string()) < std::pair(b.family, b.to_string());
    });
    if (addresses.size() > 1) {
        report_warning(warnings, "'" + host + "' has several addresses; using " + lowest->to_string());
    }
    endpoint.address = *lowest;
    return endpoint;
}

}  // namespace

Endpoint parse_ipport(const std::string& text, std::vector<std::string>* warnings) {
    check_address_length(text, "address");
    const std::string context = "invalid address '" + text + "'";
    if (is_all_digits(text)) return resolve_endpoint("0.0.0.0", text, context, warnings);
    std::smatch m;
    const bool has_bracket = text.find(']') != std::string::npos;
    if (!std::regex_match(text, m, has_bracket ? kBracketedPattern : kHostPattern)) {
        throw ParseError(context + ": expected [IP:]PORT, [IPv6]:PORT or HOST[:PORT]");
    }
    return resolve_endpoint(m[1].str(), m[2].str(), context, warnings);
}

Endpoint parse_to_ns(const std::string& text, std::vector<std::string>* warnings) {
    const auto at = text.rfind('@');
    if (at == std::string::npos) return parse_ipport(text, warnings);
    const std::string context = "invalid address '" + text + "'";
    const std::string host = text.substr(0, at);
    const std::string port = text.substr(at + 1);
    IpAddress address;
    if (!IpAddress::parse(host, address) || !is_all_digits(port)) {
        throw ParseError(context + ": expected IP@PORT");
    }
    return Endpoint{address, parse_port_digits(port, context)};
}

}  // namespace sshuttle::net
