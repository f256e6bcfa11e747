// SPDX-License-Identifier: LGPL-2.1-or-later
// Whether the built-in libssh2 transport can honour everything the user's OpenSSH configuration asks for one host
// (read with `ssh -G`), or whether the default transport should be the ssh program instead. The checks that need
// no I/O are separate functions so that unit tests can feed them `ssh -G` text directly.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "transport/launch_config.hpp"
#include "transport/ssh_config.hpp"

namespace sshuttle::transport {

/// The first setting libssh2 cannot honour because it differs from ssh's built-in default (Ciphers, KexAlgorithms,
/// MACs, HostKeyAlgorithms, PubkeyAcceptedAlgorithms, PKCS11Provider, SecurityKeyProvider), or a ProxyCommand or
/// CertificateFile; "" when none. `defaults` is `ssh -G` under `-F /dev/null`.
std::string config_obstacle(const SshGValues& host, const SshGValues& defaults);

/// "libssh2 1.10.0 (built with ...)" -> {1, 10}; {0, 0} when no version is in the text.
std::pair<int, int> libssh2_version_in(const std::string& text);

/// True unless the SSH banner names an OpenSSH older than 8.8 (which still accepts ssh-rsa signatures): newer
/// OpenSSH refuses them, and for other or unknown servers refusal is the safe guess.
bool server_refuses_ssh_rsa(const std::string& banner);

/// Whether the key file (its .pub next to it, else the private key itself) holds an RSA key.
bool is_rsa_key_file(const std::string& path);

/// `~/` expanded with $HOME.
std::string expand_home(const std::string& path);

/// Why the default transport should be the ssh program for options.remote, or "" when libssh2 can do it all.
/// `libssh2_version` is the loaded module's is_supported() text. Runs `ssh -G` (twice), may check a control
/// socket, list the agent's keys and read the server's banner (only when an RSA key meets libssh2 < 1.11).
std::string libssh2_obstacle(const LaunchConfig& options, const std::string& libssh2_version);

}  // namespace sshuttle::transport
