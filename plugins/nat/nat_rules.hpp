// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure rule rendering for the nat method (iptables table nat, chain sshuttle-<port>): no system calls, so the
// exact text is tested everywhere. The order follows upstream sshuttle's methods/nat.py.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::nat {

using Argv = std::vector<std::string>;

/// "sshuttle-<port>": the per-port chain, so that several instances coexist.
std::string chain_name(int port);

/// "iptables" or "ip6tables" for the request's family.
std::string iptables_binary(int family);

/// The argv that applies restore_input() atomically: <binary>-restore --noflush -w.
Argv restore_command(int family);

/// iptables-restore input installing every rule of req (mangle owner mark for --user/--group, then nat).
std::string restore_input(const sdk::FwRequest& req);

/// iptables-restore --noflush input replacing the rules inside the chain of req.port in one commit (ABI 1.2's
/// update): the chain is declared (which flushes it) and refilled; the jumps into it and the owner mark stay.
std::string update_input(const sdk::FwRequest& req);

/// The listing commands restore() runs: the whole nat table and mangle OUTPUT (iptables -w -t <table> -S);
/// each rule they show that belongs to this port is then deleted (stale_rule_deletions).
std::vector<Argv> listing_commands(int family);

/// Delete commands for the rules of one `-S` listing that belong to port: jumps to sshuttle-<port> and
/// owner MARK rules setting the mark <port>. Repeated stale rules are all deleted.
std::vector<Argv> stale_rule_deletions(int family, const std::string& table, const std::string& listing, int port);

/// Flush and delete of the chain itself (run last, only when chain_listed()).
std::vector<Argv> chain_removal_commands(int family, int port);

/// True when the `iptables -t nat -S` listing declares this port's chain (`-N sshuttle-<port>`).
bool chain_listed(const std::string& nat_listing, int port);

/// Human-readable setup and teardown for --dry-run: the exact commands and stdin text.
std::string render(const sdk::FwRequest& req);

}  // namespace sshuttle::plugins::nat
