// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure rule rendering for the tproxy method (iptables table mangle, chains sshuttle-{m,t,d}-<port>), in the
// order of upstream sshuttle's methods/tproxy.py, with IPv6 nameservers matched as /128 (upstream used /32).
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::tproxy {

using Argv = std::vector<std::string>;

/// "sshuttle-m-<port>" (mark, from OUTPUT), "sshuttle-t-<port>" (tproxy, from PREROUTING),
/// "sshuttle-d-<port>" (divert of packets that already have a socket).
std::string mark_chain(int port);
std::string tproxy_chain(int port);
std::string divert_chain(int port);

/// The argv applying restore_input() atomically: iptables-restore (or ip6tables-restore) --noflush -w.
Argv restore_command(int family);

/// iptables-restore input installing every rule of req into table mangle.
std::string restore_input(const sdk::FwRequest& req);

/// iptables-restore --noflush input replacing the rules of the three chains of req.port in one commit (ABI 1.2's
/// update): the chains are declared (which flushes them) and refilled; the jumps into them stay.
std::string update_input(const sdk::FwRequest& req);

/// Teardown in order (jumps, then flush and delete of each chain); a failing command means "already gone".
std::vector<Argv> teardown_commands(int family, int port);

/// `iptables -w -t mangle -S` (or ip6tables): the listing present_teardown_commands() reads.
Argv list_command(int family);

/// The part of teardown_commands() that applies to `listing` (the output of list_command()): one jump delete per
/// jump found, flush and delete only for chains that exist. Empty when nothing is installed, so a restore of
/// nothing runs no command that could print "does not exist".
std::vector<Argv> present_teardown_commands(int family, int port, const std::string& listing);

/// Human-readable setup and teardown for --dry-run; with own_routes also the policy routing that setup-routes
/// installs before the rules (tproxy_routes.hpp) and removes after them.
std::string render(const sdk::FwRequest& req, bool own_routes = false);

}  // namespace sshuttle::plugins::tproxy
