// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure rule rendering for the nft method: one nft script, applied as a single transaction. The rule order
// follows upstream sshuttle's methods/nft.py (DNS, then local-return, then the sorted subnets).
#pragma once

#include <string>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::nft {

/// "sshuttle-ipv4-<port>" or "sshuttle-ipv6-<port>": the table, and the regular chain inside it.
std::string table_name(int family, int port);

/// The nft script creating the table, its nat base chains and every rule of req.
std::string setup_script(const sdk::FwRequest& req);

/// The rules of the regular chain (what setup_script adds after the jumps into it).
std::string chain_rules(const sdk::FwRequest& req);

/// The nft script replacing the regular chain's rules in one transaction (ABI 1.2's update): flush, refill.
std::string update_script(const sdk::FwRequest& req);

/// "delete table inet <table>": teardown, also run before setup against stale tables (absence is fine).
std::string teardown_script(int family, int port);

/// Human-readable setup and teardown for --dry-run.
std::string render(const sdk::FwRequest& req);

}  // namespace sshuttle::plugins::nft
