// SPDX-License-Identifier: LGPL-2.1-or-later
// Host key verification against known_hosts, with OpenSSH's StrictHostKeyChecking semantics: a known key
// passes, a changed key is always refused (naming the file and line), an unknown key is asked about,
// recorded or refused as the setting says.
#pragma once

#include <libssh2.h>

#include <string>
#include <vector>

#include "prompt.hpp"
#include "ssh_settings.hpp"
#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

/// Where and how one hop's host key is checked.
struct HostKeyPolicy {
    std::string name;  // HostKeyAlias or HostName, as known_hosts spells it
    int port = 22;
    std::vector<std::string> user_files;    // the first one receives new keys
    std::vector<std::string> global_files;
    StrictMode strict = StrictMode::kAsk;
    bool hash_new_entries = false;
};

HostKeyPolicy host_key_policy(const SshSettings& settings);

/// Before the handshake: asks libssh2 for the host key types known_hosts already holds for this host first
/// (as ssh does), so a server with several keys is not mistaken for an unknown host.
void prefer_known_key_types(LIBSSH2_SESSION* session, const HostKeyPolicy& policy);

/// After the handshake: verifies the server's key. Throws sdk::Error(SSHUTTLE_EHOSTKEY) with one line.
void verify_host_key(LIBSSH2_SESSION* session, const HostKeyPolicy& policy, const Prompter& prompter,
                     const sdk::Host& host);

/// "SHA256:<base64 without padding>" of the session's host key.
std::string host_key_fingerprint(LIBSSH2_SESSION* session);

/// The known_hosts line for a new key (hashed as HashKnownHosts says), with its newline.
std::string known_hosts_line(const HostKeyPolicy& policy, const std::string& key_type, const std::string& key);

}  // namespace sshuttle::plugins::transport_ssh
