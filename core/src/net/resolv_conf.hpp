// SPDX-License-Identifier: LGPL-2.1-or-later
// The one reader of resolv.conf's nameservers, for the client (--dns: which nameservers to capture) and the
// server (where to send DNS_REQ). The Python fallback server has a copy of these rules that
// tests/net/resolv_conf_pin_test.py holds to this one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::net {

/// The "nameserver" addresses of a resolv.conf text, in order, duplicates kept, read as glibc's resolver reads
/// them: the keyword starts the line, in lower case, followed by a space or tab (so an indented,
/// upper-case, '#' or ';' line is not one); the address is the next word and anything after it is ignored.
/// Where glibc differs: only numeric addresses as inet_pton reads them (no inet_aton shorthands such as
/// 127.1), and an IPv6 zone id ("fe80::1%eth0") is dropped, because neither a firewall rule nor the peer can
/// use it (upstream #736).
std::vector<IpAddress> parse_resolv_conf(std::string_view text);

/// parse_resolv_conf of the file at path; empty when it cannot be read.
std::vector<IpAddress> read_resolv_conf(const std::string& path);

}  // namespace sshuttle::net
