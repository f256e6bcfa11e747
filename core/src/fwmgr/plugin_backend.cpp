// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/plugin_backend.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "plugin/method_options.hpp"

namespace sshuttle::fwmgr {

PluginBackend::PluginBackend(const ManagerConfig& options) {
    auto dirs = plugin::search_dirs(options.plugin_dirs);
    if (options.method == "auto") {
        std::vector<std::string> why;
        try {
            plugin_ = plugin::select_auto(dirs, host_, why);
        } catch (...) {
            for (const auto& line : why) spdlog::debug("method auto: {}", line);
            throw;
        }
        for (const auto& line : why) spdlog::debug("method auto: {}", line);
        spdlog::debug("method auto chose '{}'", plugin_->name());
        return;
    }
    plugin_ = plugin::load_firewall(options.method, dirs, host_,
                                    plugin::options_for_method(options.method_options, options.method));
    std::string reason;
    if (!plugin_->is_supported(reason))
        throw std::runtime_error("method '" + options.method + "' is not usable on this machine: " + reason);
    spdlog::debug("method '{}' is usable: {}", options.method, reason);
}

}  // namespace sshuttle::fwmgr
