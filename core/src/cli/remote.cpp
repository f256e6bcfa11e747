// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/remote.hpp"

#include <algorithm>

#include "cli/usage_error.hpp"
#include "net/address.hpp"

namespace sshuttle::cli {
namespace {

uint16_t parse_remote_port(const std::string& port, const std::string& context) {
    const bool is_digits = !port.empty() && port.size() <= 5 &&
                           std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    const long value = is_digits ? std::stol(port) : 0;
    if (value < 1 || value > 65535) throw UsageError(context + ": bad port '" + port + "'");
    return static_cast<uint16_t>(value);
}

// host, [v6], [v6]:port, v6 (bare, no port possible) or host:port.
void split_host_port(const std::string& text, const std::string& context, Remote& remote) {
    net::IpAddress address;
    if (text.find(':') == std::string::npos || net::IpAddress::parse(text, address)) {
        remote.host = text;
    } else if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) throw UsageError(context + ": missing ']'");
        remote.host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw UsageError(context + ": unexpected '" + rest + "' after ']'");
            remote.port = parse_remote_port(rest.substr(1), context);
        }
    } else {
        const auto colon = text.rfind(':');
        remote.host = text.substr(0, colon);
        remote.port = parse_remote_port(text.substr(colon + 1), context);
    }
}

}  // namespace

Remote parse_remote(const std::string& text) {
    const std::string context = "invalid remote '" + text + "'";
    Remote remote;
    std::string host_port = text;
    if (const auto at = text.rfind('@'); at != std::string::npos) {
        const std::string credentials = text.substr(0, at);
        host_port = text.substr(at + 1);
        const auto colon = credentials.find(':');
        remote.user = credentials.substr(0, colon);
        if (colon != std::string::npos) remote.password = credentials.substr(colon + 1);
    }
    if (host_port.empty()) throw UsageError(context + ": empty host");
    split_host_port(host_port, context, remote);
    if (remote.host.empty()) throw UsageError(context + ": empty host");
    return remote;
}

std::string Remote::to_string() const {
    std::string text;
    if (!user.empty() || !password.empty()) {
        text = user;
        if (!password.empty()) text += ":***";  // never print the password
        text += "@";
    }
    const bool is_v6 = host.find(':') != std::string::npos;
    if (port != 0) return text + (is_v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    return text + host;
}

}  // namespace sshuttle::cli
