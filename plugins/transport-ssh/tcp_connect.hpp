// SPDX-License-Identifier: LGPL-2.1-or-later
// The TCP connection to the first hop: name resolution, a bounded connect to each address in turn, and the
// socket options that matter for a bulk tunnel (TCP_NODELAY, keepalive, close-on-exec, non-blocking).
#pragma once

#include <string>

#include "ssh_hop.hpp"

namespace sshuttle::plugins::transport_ssh {

/// Connects to host:port and returns the non-blocking socket. Throws sdk::Error with one line naming the host:
/// "cannot resolve host 'x': ...", "cannot connect to x port 22: Connection refused", "... timed out after N s".
int tcp_connect(const std::string& host, int port, Clock::time_point deadline);

}  // namespace sshuttle::plugins::transport_ssh
