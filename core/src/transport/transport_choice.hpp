// SPDX-License-Identifier: LGPL-2.1-or-later
// Which transport reaches the remote: the built-in libssh2 plugin by default, the ssh program when -e or
// `--transport command` asks for it (or when the plugin is not installed), or a third-party transport plugin.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "transport/launch_config.hpp"

namespace sshuttle::transport {

struct TransportChoice {
    std::string name;                                         // plugin name: "ssh", "exec", ...
    std::vector<std::pair<std::string, std::string>> options;  // --transport-option, plus the -r password
    bool explicit_choice = false;                             // --transport named it
};

/// nullopt: the OpenSSH command transport. Throws TransportError for contradicting options
/// (`-e` together with `--transport <plugin>`).
std::optional<TransportChoice> choose_transport(const LaunchConfig& options);

}  // namespace sshuttle::transport
