// SPDX-License-Identifier: LGPL-2.1-or-later
// The argv that runs a command on the remote through the system ssh binary, shaped like upstream's.
#pragma once

#include <string>
#include <vector>

#include "transport/launch_config.hpp"

namespace sshuttle::transport {

/// `[user@]host` as ssh takes it (an IPv6 host stays unbracketed, as upstream passes it).
std::string ssh_destination(const RemoteHost& remote);

/// [sshpass -e] + shlex-split(-e or "ssh") + [-F FILE of --transport-option ssh-config=FILE, without -e] +
/// ssh_options + [-o BatchMode=yes] + [-p port] + [user@]host + ["--" unless --no-cmd-delimiter] +
/// remote_command. sshpass is used for upstream's user:password@host form (the caller puts the password in
/// SSHPASS). batch_mode (nobody can answer a prompt) adds -o BatchMode=yes, except with sshpass. ssh_options
/// are ssh's own (connection sharing). Requires options.remote.
std::vector<std::string> ssh_argv(const LaunchConfig& options, const std::string& remote_command,
                                  const std::vector<std::string>& ssh_options = {}, bool batch_mode = false);

/// The command the remote runs: the upload bootstrap, or --server-cmd; under /bin/sh -c unless --remote-shell
/// names a non-POSIX shell (then only --server-cmd is possible; TransportError otherwise).
std::string remote_command(const LaunchConfig& options, const std::string& upload_script_text);

}  // namespace sshuttle::transport
