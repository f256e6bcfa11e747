// SPDX-License-Identifier: LGPL-2.1-or-later
// The server helper's tiny command line (no CLI11, so the static binary stays small and self-contained).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/server.hpp"

namespace sshuttle::server {

struct HelperArgs {
    ServerOptions options;
    bool server = false;   // --server (required to serve)
    bool version = false;  // --version
};

/// Parses argv (without argv[0]); nullopt with a one-line error naming the bad argument.
std::optional<HelperArgs> parse_helper_args(const std::vector<std::string>& args, std::string& error);

/// "ip@port" or "ip" (numeric, IPv6 without brackets) as upstream's --to-ns; port 0 = 53.
std::optional<net::Endpoint> parse_to_ns(const std::string& text);

}  // namespace sshuttle::server
