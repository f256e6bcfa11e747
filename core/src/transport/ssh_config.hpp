// SPDX-License-Identifier: LGPL-2.1-or-later
// What `ssh -G host` says about where ssh really connects (HostName, ProxyJump, ProxyCommand), so the client can
// keep that address out of the firewall rules.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sshuttle::transport {

/// `ssh -G` output: every value of each (lower-case) key, in order (identityfile repeats). The one parser of
/// that format in the core; SshTarget is read from it.
using SshGValues = std::map<std::string, std::vector<std::string>>;
SshGValues parse_ssh_g_values(const std::string& output);

struct SshTarget {
    std::string hostname;       // the host ssh connects to (HostName), empty if unknown
    std::string proxy_jump;     // first ProxyJump hop's host, empty if none
    bool proxy_command = false; // a ProxyCommand is set: the address cannot be known
    bool shares_connection = false;  // the configuration sets ControlMaster or ControlPath itself
    std::string ciphers;             // the cipher list ssh offers, in its order
};

/// Parses `ssh -G` output ("key value" lines; keys are lower case).
SshTarget parse_ssh_g(const std::string& output);

/// The host part of one ProxyJump hop: `[ssh://][user@]host[:port]`, `[v6]:port`.
std::string jump_host(const std::string& hop);

/// Runs argv (stdout captured, stdin and stderr to /dev/null) and kills it after timeout_ms. False when it did
/// not run, timed out or failed.
bool run_with_timeout(const std::vector<std::string>& argv, int timeout_ms, std::string& output);

}  // namespace sshuttle::transport
