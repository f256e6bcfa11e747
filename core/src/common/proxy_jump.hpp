// SPDX-License-Identifier: LGPL-2.1-or-later
// The one parser of OpenSSH's ProxyJump value, for the core (keeping the first hop out of the firewall rules)
// and the libssh2 transport plugin (dialling each hop).
#pragma once

#include <string>
#include <vector>

namespace sshuttle::common {

/// One ProxyJump hop: `[ssh://][user@]host[:port]` or `[user@][v6]:port`.
struct JumpHop {
    std::string user;  // empty = as configured for that host
    std::string host;
    int port = 0;      // 0 = as configured
};

/// Splits a ProxyJump value ("a,b@c:2222") into hops, in dialling order; "none" and "" have none. Throws
/// std::invalid_argument naming a malformed hop.
std::vector<JumpHop> parse_proxy_jump(const std::string& value);

}  // namespace sshuttle::common
