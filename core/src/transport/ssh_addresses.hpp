// SPDX-License-Identifier: LGPL-2.1-or-later
// What the ssh program will do for -r, asked with `ssh -G` through the -e command.
#pragma once

#include <optional>
#include <vector>

#include "net/address.hpp"
#include "transport/launch_config.hpp"
#include "transport/ssh_config.hpp"

namespace sshuttle::transport {

/// Whether the configuration shares connections itself (ControlMaster/ControlPath; then we reuse that and run
/// no master of our own) and which ciphers it offers. nullopt when the -e program is not OpenSSH's ssh or
/// `ssh -G` fails: then no extra channel over the ssh program, and its cipher order is left alone.
std::optional<SshTarget> ssh_program_settings(const LaunchConfig& options);

/// The addresses the firewall must not capture so that ssh keeps reaching its server: the -r host, or what
/// `ssh -G` says the real HostName or first ProxyJump hop is. Empty in local mode or when nothing resolves.
std::vector<net::IpAddress> ssh_server_addresses(const LaunchConfig& options);

}  // namespace sshuttle::transport
