// SPDX-License-Identifier: LGPL-2.1-or-later
// Name and number resolution with upstream's semantics: getaddrinfo(host, AF_UNSPEC, SOCK_STREAM), so glibc's
// inet_aton forms (`10`, `10.1`, `0xa.1`, `167772161`) and /etc/hosts names work exactly as in sshuttle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::net {

/// Every address of host in resolver order, duplicates removed. Throws ParseError
/// `<context>: cannot resolve '<host>': <reason>` when there is none.
std::vector<IpAddress> resolve_host(const std::string& host, const std::string& context);

/// True when text is an IPv4 address in one of inet_aton's numeric forms (dotted quad or shorthand).
bool is_inet_aton_number(const std::string& text);

/// Decimal digits to a port; throws ParseError `<context>: port N > 65535`.
uint16_t parse_port_digits(const std::string& digits, const std::string& context);

/// Decimal digits to an int, saturating far above any valid prefix or port (so huge input fails the range
/// check instead of overflowing).
long long parse_bounded_digits(const std::string& digits);

/// Appends message to *sink when given (tests, callers that collect), else logs it as a warning.
void report_warning(std::vector<std::string>* sink, const std::string& message);

}  // namespace sshuttle::net
