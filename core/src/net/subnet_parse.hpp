// SPDX-License-Identifier: LGPL-2.1-or-later
// Subnet arguments as upstream sshuttle reads them (`parse_subnetport`): `ADDR[/PREFIX][:PORT[-PORT]]`, IPv6 as
// `[ADDR/PREFIX]:PORT` (brackets optional without a port), hostnames and `*.domain` expanding to every address,
// numeric forms by inet_aton (`0/0`, and the trap `10/8` = 0.0.0.10/8). The address is not masked.
// Unlike upstream, ports are checked: > 65535, inverted ranges and ranges starting at 0 are errors.
#pragma once

#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::net {

/// One Subnet per resolved address (exclude = false). Throws ParseError. Warnings (e.g. `10/8`) go to
/// *warnings when given, else to the log.
std::vector<Subnet> parse_subnetport(const std::string& text, std::vector<std::string>* warnings = nullptr);

/// A `-s`/`-X` file: one subnet per line; blank lines and lines starting with '#' (after stripping) are
/// skipped. Every entry gets the given exclude flag. Errors name the file and line.
std::vector<Subnet> read_subnet_file(const std::string& path, bool exclude,
                                     std::vector<std::string>* warnings = nullptr);

}  // namespace sshuttle::net
