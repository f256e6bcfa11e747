// SPDX-License-Identifier: LGPL-2.1-or-later
// The firewall manager's side of the line protocol, independent of how the method is provided.
//
// READY -> read ROUTES/NSLIST/PORTS/GO -> check the caller may ask that -> lock the ports -> the method's
// preflight (every family) -> install (IPv6 then IPv4) -> STARTED -> HOST lines until EOF, written in batches
// (one rewrite of the hosts file for all the lines that have arrived). A bad HOST line is refused with a log
// line; the rules stay.
// With CLEANUP instead of GO: restore those ports' rules and hosts lines (a manager that died left them), answer
// RESTORED, exit.
// Every way out after the first setup call restores what was installed, IPv6 then IPv4, each step on its own
// so that one failure does not keep the other family's rules in place: EOF (the client exited or was
// killed), SIGINT/SIGTERM (relayed to the client as SIGINT first), a protocol error, a failed setup.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fwmgr/caller_checks.hpp"
#include "fwmgr/firewall_backend.hpp"
#include "fwmgr/line_protocol.hpp"
#include "fwmgr/signal_relay.hpp"

namespace sshuttle::fwmgr {

/// How far the session trusts its client, and where it writes.
struct SessionOptions {
    /// HOST lines go into this file (production: kSystemHostsPath); empty: they are only logged.
    std::string hosts_path;
    /// Whether HOST lines may be written at all (the manager's --auto-hosts, i.e. the client's -H). Without it
    /// they are refused with a log line; the rules stay.
    bool hosts_allowed = true;
    /// Who asked; a caller who is not root is held to caller_checks.hpp, and may not shadow existing names.
    Caller caller;
    /// Owners of a port's sockets (socket_owners() unless a test says otherwise).
    PortOwners port_owners = socket_owners;
    /// Directory of the per-port instance locks (kInstanceLockDir in production); empty: no locks (tests).
    std::string lock_dir;
};

/// Runs one session reading in_fd and writing out_fd (the same socket in production) until the client goes
/// away or a signal arrives. Returns the exit status: 0 when everything installed was restored cleanly after
/// EOF or a signal, 1 after an error (the client got `ERROR <reason>` when it was still there).
/// HOST lines go into hosts_path (the production caller passes kSystemHostsPath from hosts_file.hpp); with
/// an empty path they are only logged, so protocol tests never write a real hosts file.
int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals,
                        const std::string& hosts_path = {});
int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals,
                        const SessionOptions& options);

}  // namespace sshuttle::fwmgr
