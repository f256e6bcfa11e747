// SPDX-License-Identifier: LGPL-2.1-or-later
// User authentication on one hop, in ssh's order: public keys (the agent's, then the identity files, asking
// for passphrases), keyboard-interactive, password. A failure names what was tried and what the server offers,
// and explains the libssh2 1.10 RSA/SHA-1 limitation when an RSA key was refused.
#pragma once

#include <optional>
#include <string>

#include "prompt.hpp"
#include "ssh_hop.hpp"
#include "ssh_settings.hpp"
#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

/// Everything authentication needs besides the session.
struct AuthRequest {
    const SshSettings* settings = nullptr;
    std::optional<std::string> password;  // the `password` option (-r user:password@host)
    const Prompter* prompter = nullptr;
    const sdk::Host* host = nullptr;
    LIBSSH2_SESSION* outer = nullptr;     // the session that owns the socket (for waiting)
    std::chrono::seconds step_timeout{60};  // bound of one exchange with the server
};

/// Authenticates hop as settings->user. Throws sdk::Error(SSHUTTLE_EAUTH) with one line.
void authenticate(SshHop& hop, const AuthRequest& request);

}  // namespace sshuttle::plugins::transport_ssh
