// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/resolve.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "net/parse_error.hpp"
#include "net/sockaddr.hpp"

namespace sshuttle::net {

std::vector<IpAddress> resolve_host(const std::string& host, const std::string& context) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
        throw ParseError(context + ": cannot resolve '" + host + "': " + gai_strerror(rc));
    }
    std::vector<IpAddress> addresses;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        const auto endpoint = endpoint_from_sockaddr(ai->ai_addr);
        if (endpoint && std::find(addresses.begin(), addresses.end(), endpoint->address) == addresses.end()) {
            addresses.push_back(endpoint->address);
        }
    }
    freeaddrinfo(list);
    if (addresses.empty()) throw ParseError(context + ": cannot resolve '" + host + "': no IP address");
    return addresses;
}

bool is_inet_aton_number(const std::string& text) {
    in_addr unused{};
    return inet_aton(text.c_str(), &unused) != 0;
}

long long parse_bounded_digits(const std::string& digits) {
    long long value = 0;
    for (const char c : digits) {
        value = value * 10 + (c - '0');
        if (value > 1'000'000'000LL) return value;  // far beyond any limit; stop before overflow
    }
    return value;
}

uint16_t parse_port_digits(const std::string& digits, const std::string& context) {
    const long long value = parse_bounded_digits(digits);
    if (value > 65535) throw ParseError(context + ": port " + digits + " > 65535");
    return static_cast<uint16_t>(value);
}

void report_warning(std::vector<std::string>* sink, const std::string& message) {
    if (sink != nullptr) {
        sink->push_back(message);
    } else {
        spdlog::warn("{}", message);
    }
}

}  // namespace sshuttle::net
