// SPDX-License-Identifier: LGPL-2.1-or-later
// The firewall manager's side of the line protocol, independent of how the method is provided.
//
// READY -> read ROUTES/NSLIST/PORTS/GO -> install (IPv6 then IPv4) -> STARTED -> HOST lines until EOF.
// Every way out after the first setup call restores what was installed, IPv6 then IPv4, each step on its own
// so that one failure does not keep the other family's rules in place: EOF (the client exited or was
// killed), SIGINT/SIGTERM (relayed to the client as SIGINT first), a protocol error, a failed setup.
#pragma once

#include <string>
#include <vector>

#include "fwmgr/firewall_backend.hpp"
#include "fwmgr/line_protocol.hpp"
#include "fwmgr/signal_relay.hpp"

namespace sshuttle::fwmgr {

/// Runs one session reading in_fd and writing out_fd (the same socket in production) until the client goes
/// away or a signal arrives. Returns the exit status: 0 when everything installed was restored cleanly after
/// EOF or a signal, 1 after an error (the client got `ERROR <reason>` when it was still there).
/// HOST lines go into hosts_path (the production caller passes kSystemHostsPath from hosts_file.hpp); with
/// an empty path they are only logged, so protocol tests never write a real hosts file.
int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals,
                        const std::string& hosts_path = {});

}  // namespace sshuttle::fwmgr
