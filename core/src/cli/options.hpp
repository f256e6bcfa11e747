// SPDX-License-Identifier: LGPL-2.1-or-later
// The fully resolved configuration of one sshuttle run: every upstream option plus ours. It is filled from
// YAML (--config/--profile), then SSHUTTLE_ARGS, then the command line (with @file expansion), in that order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::cli {

/// What this process has been asked to be.
enum class Mode {
    kClient = 1,          // the normal run
    kServer,              // --server: mux on stdin/stdout
    kFirewall,            // --firewall: the root firewall manager
    kHostwatch,           // --hostwatch
    kSudoersNoModify,     // print a sudoers fragment and exit
    kListPlugins,         // --list-plugins
    kVersion,             // -V/--version
};

/// `-r [user@]host[:port]` split into parts.
struct Remote {
    std::string user;      // empty = ssh's default
    std::string password;  // upstream's user:pass@host form (sshpass); empty = none
    std::string host;      // IPv6 without brackets
    uint16_t port = 0;     // 0 = ssh's default
    std::string to_string() const;
};

struct Options {
    Mode mode = Mode::kClient;

    // What to tunnel.
    std::vector<net::Subnet> subnets;    // includes: positional + -s files (+ auto-nets at run time)
    std::vector<net::Subnet> excludes;   // -x and -X files (listen addresses are added at run time)
    bool auto_nets = false;              // -N
    bool auto_hosts = false;             // -H
    std::vector<std::string> seed_hosts; // --seed-hosts

    // Where.
    std::optional<Remote> remote;        // -r; empty = local mode
    std::string method = "auto";         // --method auto|nat|nft|tproxy|pf|ipfw|<third-party>
    std::vector<net::Endpoint> listen;   // -l; port 0 = search
    bool listen_given = false;           // -l was given (families left out are off)
    bool disable_ipv6 = false;

    // DNS.
    bool dns = false;
    std::vector<net::IpAddress> ns_hosts;
    std::optional<net::Endpoint> to_ns;  // port 0 = 53

    // The transport and the server.
    std::string ssh_cmd;                 // -e; empty = default transport
    bool no_cmd_delimiter = false;
    std::string python;                  // --python; empty = python3 then python
    std::string remote_shell;            // --remote-shell (accepted for compatibility)
    std::string server_cmd;              // --server-cmd: run an installed server instead of uploading one
    std::string transport;               // --transport; empty = ssh (libssh2) when available, else command
    std::vector<std::pair<std::string, std::string>> transport_options;  // --transport-option KEY=VALUE

    // Flow control.
    bool latency_control = true;
    int latency_buffer_size = 32768;
    int wrap = 65535;                    // --wrap: channel numbers wrap here (testing)

    // Process behaviour.
    int verbose = 0;                     // -v count
    bool daemon = false;                 // -D (implies syslog)
    bool syslog = false;
    std::string pidfile = "sshuttle.pid";
    std::optional<std::string> user;     // --user NAME
    std::optional<std::string> group;    // --group NAME
    std::string tmark = "0x01";          // -t/--tmark, normalised lowercase hex with 0x
    // A firewall method's own flags (OptionSpec::method_flag), as <YAML key>=1 in the order of the table; its
    // plugin gets them as create() options (plugin/method_options.hpp), the core never reads them.
    std::vector<std::pair<std::string, std::string>> method_options;
    std::string sudoers_user;            // --sudoers-user
    bool no_sudo_pythonpath = false;     // accepted for compatibility
    bool reconnect = true;               // --no-reconnect: exit when the server connection is lost
    int reconnect_max_wait = 60;         // --reconnect-max-wait SECONDS: the longest back-off between attempts
    int max_channels = 8;                // --max-channels N: SSH channels TCP connections are spread over
    bool ssh_forwarding = true;          // --no-ssh-forwarding: TCP never as the ssh program's own forward
    std::string namespace_name;          // --namespace
    int namespace_pid = 0;               // --namespace-pid

    // Ours.
    std::vector<std::string> plugin_dirs;   // --plugin-dir (repeatable)
    std::string config_file;                // --config
    std::string profile;                    // --profile
    bool dry_run = false;                   // --dry-run
    bool show_help = false;                 // -h/--help: print help_text() and exit 0
    uint32_t server_mark = 0;               // --mark N (internal, with --server): SO_MARK on outgoing sockets
    std::vector<std::string> warnings;      // found while parsing (e.g. `10/8`); log them once logging is set up
};

}  // namespace sshuttle::cli
