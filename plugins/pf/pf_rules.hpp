// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure rule rendering for the pf method (macOS, FreeBSD, OpenBSD, pfSense): the anchor ruleset and the
// pfctl command sequence, following upstream sshuttle's methods/pf.py. pf rules are last-match, so the
// subnets go in the reverse of the nat/nft order.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::pf {

enum class Flavor { kDarwin, kFreeBsd, kOpenBsd, kPfSense };

/// "darwin", "freebsd", "openbsd" or "pfsense"; throws sdk::Error naming the bad value otherwise.
Flavor parse_flavor(const std::string& name);
std::string flavor_name(Flavor flavor);

/// The flavour of the machine this was built for (FreeBSD when not macOS or OpenBSD; pfSense is FreeBSD
/// with a different ioctl layout and is only chosen explicitly).
Flavor build_flavor();

/// "sshuttle-<port>" (IPv4) or "sshuttle6-<port>" (IPv6).
std::string anchor_name(int family, int port);

/// The ruleset loaded into the anchor with `pfctl -a <anchor> -f /dev/stdin`.
std::string anchor_rules(const sdk::FwRequest& req, Flavor flavor);

/// Human-readable setup and teardown (commands, conditions and stdin texts) for --dry-run.
std::string render(const sdk::FwRequest& req, Flavor flavor);

}  // namespace sshuttle::plugins::pf
