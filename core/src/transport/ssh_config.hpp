// SPDX-License-Identifier: LGPL-2.1-or-later
// What `ssh -G host` says about where ssh really connects (HostName, ProxyJump, ProxyCommand), so the client can
// keep that address out of the firewall rules.
#pragma once

#include <string>
#include <vector>

#include "common/ssh_g.hpp"

namespace sshuttle::transport {

/// `ssh -G` output (common/ssh_g.hpp, the parser the plugins use too); SshTarget is read from it.
using common::parse_ssh_g_values;
using common::SshGValues;

struct SshTarget {
    std::string hostname;       // the host ssh connects to (HostName), empty if unknown
    std::string proxy_jump;     // first ProxyJump hop's host, empty if none
    bool proxy_command = false; // a ProxyCommand is set: the address cannot be known
    bool shares_connection = false;  // the configuration sets ControlMaster or ControlPath itself
    std::string control_path;        // its ControlPath, expanded; empty = none
    bool master_asks = false;        // ControlMaster ask/autoask: the master asks the user about each session
    std::string ciphers;             // the cipher list ssh offers, in its order
    // How ssh connects (for ssh_connect.hpp, which connects in its place).
    std::string address_family = "any";  // AddressFamily: any, inet, inet6
    int connect_timeout_s = 0;           // ConnectTimeout; 0: none
    bool tcp_keep_alive = true;          // TCPKeepAlive
    bool binds_locally = false;          // BindAddress or BindInterface is set
    bool retries_connect = false;        // ConnectionAttempts above 1
};

/// Parses `ssh -G` output ("key value" lines; keys are lower case).
SshTarget parse_ssh_g(const std::string& output);

/// Runs argv (stdout captured, stdin and stderr to /dev/null) and kills it after timeout_ms. False when it did
/// not run, timed out or failed.
bool run_with_timeout(const std::vector<std::string>& argv, int timeout_ms, std::string& output);

}  // namespace sshuttle::transport
