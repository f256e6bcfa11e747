// SPDX-License-Identifier: LGPL-2.1-or-later
// The effective OpenSSH client configuration for one host, as `ssh -G` prints it. We never parse ssh_config
// ourselves: ssh resolves Host/Match blocks, includes and defaults, and we read its answer.
#pragma once

#include <string>
#include <vector>

#include "common/proxy_jump.hpp"

namespace sshuttle::plugins::transport_ssh {

/// StrictHostKeyChecking.
enum class StrictMode { kAsk = 1, kYes, kNo, kAcceptNew };

/// What one SSH hop needs to connect and authenticate.
struct SshSettings {
    std::string hostname;             // HostName (the address actually dialled)
    std::string host_alias;           // the name given on the command line (for messages and known_hosts alias)
    std::string user;
    int port = 22;
    std::vector<std::string> identity_files;    // tilde-expanded
    std::vector<std::string> certificate_files; // CertificateFile (libssh2 cannot use them)
    std::string proxy_jump;                     // "none" or empty when unset
    std::string proxy_command;                  // empty when unset
    int server_alive_interval_s = 0;            // 0 = unset (we then use 15 s)
    int server_alive_count_max = 3;
    std::vector<std::string> user_known_hosts_files;
    std::vector<std::string> global_known_hosts_files;
    StrictMode strict = StrictMode::kAsk;
    int connect_timeout_s = 0;                  // 0 = none
    bool batch_mode = false;
    bool gssapi = false;
    bool identities_only = false;
    bool hash_known_hosts = false;
    bool password_auth = true;
    bool kbd_interactive_auth = true;
    bool pubkey_auth = true;
    int password_prompts = 3;
    std::string identity_agent;                 // empty = $SSH_AUTH_SOCK, "none" = no agent
    std::string host_key_alias;                 // HostKeyAlias, empty when unset
};

/// Defaults as ssh has them, for a machine without an ssh binary.
SshSettings default_settings(const std::string& host, const std::string& user, int port, const std::string& home);

/// Reads `ssh -G` output (common/ssh_g.hpp) over the defaults.
SshSettings parse_ssh_g(const std::string& output, const std::string& host, const std::string& home);

/// Non-empty when the configuration asks for something libssh2 cannot do (ProxyCommand, certificates, ...):
/// a one-line reason to fall back to the OpenSSH command transport.
std::string unsupported_reason(const SshSettings& settings);

/// ProxyJump hops, parsed as the core parses them (common/proxy_jump.hpp).
using common::JumpHop;
using common::parse_proxy_jump;

/// "~/x" -> home + "/x"; anything else unchanged.
std::string expand_tilde(const std::string& path, const std::string& home);

}  // namespace sshuttle::plugins::transport_ssh
