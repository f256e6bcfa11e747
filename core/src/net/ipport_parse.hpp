// SPDX-License-Identifier: LGPL-2.1-or-later
// `-l/--listen` and `--to-ns` endpoints as upstream reads them (`parse_ipport`): a bare PORT means
// 0.0.0.0:PORT, `[IPv6]` or `[IPv6]:PORT`, `HOST` or `HOST:PORT`; a missing port is 0. A name resolving to
// several addresses uses the lowest (IPv4 before IPv6), with a warning.
#pragma once

#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::net {

/// Throws ParseError (`invalid address 'x': ...`).
Endpoint parse_ipport(const std::string& text, std::vector<std::string>* warnings = nullptr);

/// parse_ipport, plus `IP@PORT` (the form the firewall line protocol and upstream's server use).
Endpoint parse_to_ns(const std::string& text, std::vector<std::string>* warnings = nullptr);

}  // namespace sshuttle::net
