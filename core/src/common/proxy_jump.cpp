// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/proxy_jump.hpp"

#include <cstdlib>
#include <stdexcept>

namespace sshuttle::common {
namespace {

// The port of a hop, or -1 when it is not a number from 1 to 65535.
int parse_port(const std::string& text) {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || n <= 0 || n > 65535) return -1;
    return static_cast<int>(n);
}

JumpHop parse_hop(const std::string& original) {
    const auto invalid = [&original](const std::string& why) {
        return std::invalid_argument("invalid " + why + "ProxyJump hop '" + original + "'");
    };
    std::string spec = original;
    if (spec.rfind("ssh://", 0) == 0) spec = spec.substr(6);
    JumpHop hop;
    if (const auto at = spec.rfind('@'); at != std::string::npos) {
        hop.user = spec.substr(0, at);
        spec = spec.substr(at + 1);
    }
    std::string port;
    if (!spec.empty() && spec[0] == '[') {
        const auto close = spec.find(']');
        if (close == std::string::npos) throw invalid("");
        hop.host = spec.substr(1, close - 1);
        if (close + 1 < spec.size()) {
            if (spec[close + 1] != ':') throw invalid("");
            port = spec.substr(close + 2);
        }
    } else if (const auto colon = spec.find(':');
               colon != std::string::npos && spec.find(':', colon + 1) == std::string::npos) {
        // One colon is a port; several mean a bare IPv6 address.
        hop.host = spec.substr(0, colon);
        port = spec.substr(colon + 1);
    } else {
        hop.host = spec;
    }
    if (!port.empty()) {
        hop.port = parse_port(port);
        if (hop.port < 0) throw invalid("port in ");
    }
    if (hop.host.empty()) throw std::invalid_argument("invalid ProxyJump hop '" + original + "': no host");
    return hop;
}

}  // namespace

std::vector<JumpHop> parse_proxy_jump(const std::string& value) {
    std::vector<JumpHop> hops;
    if (value.empty() || value == "none") return hops;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = value.find(',', start);
        hops.push_back(parse_hop(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) return hops;
        start = comma + 1;
    }
}

}  // namespace sshuttle::common
