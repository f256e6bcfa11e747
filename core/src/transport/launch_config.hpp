// SPDX-License-Identifier: LGPL-2.1-or-later
// What starting the server takes from the user's options: where it runs, how it is reached, and what it is told.
// The app builds it from the parsed command line (app/area_configs.hpp), so that this area needs nothing of cli.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::transport {

/// `-r [user@]host[:port]`: whom to log in as, and where.
struct RemoteHost {
    std::string user;      // empty = ssh's default
    std::string password;  // upstream's user:pass@host form (sshpass); empty = none
    std::string host;      // IPv6 without brackets
    uint16_t port = 0;     // 0 = ssh's default
};

struct LaunchConfig {
    std::optional<RemoteHost> remote;    // -r; empty = local mode

    // How the remote is reached.
    std::string ssh_cmd;                 // -e; empty = the default transport
    bool no_cmd_delimiter = false;       // --no-cmd-delimiter: no "--" before the remote command
    std::string transport;               // --transport; empty = ssh (libssh2) when available, else command
    std::vector<std::pair<std::string, std::string>> transport_options;  // --transport-option KEY=VALUE
    std::vector<std::string> plugin_dirs;  // --plugin-dir: where transport plugins are looked for
    int max_channels = 8;                // --max-channels: more than 1 shares the ssh program's connection

    // What runs there.
    std::string remote_shell;            // --remote-shell; empty, posix or sh = a POSIX /bin/sh
    std::string python;                  // --python; empty = the helper, with python3 then python as fallback
    std::string server_cmd;              // --server-cmd: run an installed server instead of uploading one

    // What the server is told (server_args.hpp).
    int verbose = 0;                     // -v count
    bool latency_control = true;
    int latency_buffer_size = 32768;
    std::optional<net::Endpoint> to_ns;  // port 0 = 53
    bool auto_nets = false;              // -N
};

}  // namespace sshuttle::transport
