// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/transport_choice.hpp"

#include <filesystem>

#include "plugin/plugins.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {
namespace {

constexpr const char* kBuiltinTransport = "ssh";
constexpr const char* kCommandTransport = "command";

// Installed at all? A missing built-in plugin (a minimal install) quietly means the ssh program.
bool transport_module_exists(const std::string& name, const std::vector<std::string>& plugin_dirs) {
    for (const auto& dir : plugin::search_dirs(plugin_dirs)) {
        std::error_code ec;
        if (std::filesystem::exists(dir / ("sshuttle-transport-" + name + ".so"), ec) ||
            std::filesystem::exists(dir / ("sshuttle-" + name + ".so"), ec))
            return true;
    }
    return false;
}

}  // namespace

std::optional<TransportChoice> choose_transport(const LaunchConfig& options) {
    if (!options.remote || options.transport == kCommandTransport) return std::nullopt;
    TransportChoice choice;
    if (options.transport.empty()) {
        // -e is the user's own ssh command line: honour it exactly, as upstream does.
        if (!options.ssh_cmd.empty()) return std::nullopt;
        if (!transport_module_exists(kBuiltinTransport, options.plugin_dirs)) return std::nullopt;
        choice.name = kBuiltinTransport;
    } else {
        if (!options.ssh_cmd.empty())
            throw TransportError("--ssh-cmd '" + options.ssh_cmd + "' selects the ssh program, but --transport '" +
                                 options.transport + "' asks for a plugin: use one or the other");
        choice.name = options.transport;
        choice.explicit_choice = true;
    }
    choice.options = options.transport_options;
    if (!options.remote->password.empty()) choice.options.emplace_back("password", options.remote->password);
    return choice;
}

}  // namespace sshuttle::transport
