// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/method_check.hpp"

#include "cli/suggest.hpp"
#include "cli/usage_error.hpp"
#include "plugin/module.hpp"
#include "plugin/plugins.hpp"
#include "plugin/search.hpp"

namespace sshuttle::app {

std::vector<std::string> installed_methods(const std::vector<std::filesystem::path>& dirs) {
    std::vector<std::string> methods;
    for (const auto& [stem, file] : plugin::list_modules(dirs)) {
        try {
            if (plugin::Module::open(file)->has_firewall()) methods.push_back(stem);
        } catch (const plugin::PluginError&) {
            // Not loadable: not a method one can choose; --list-plugins says why.
        }
    }
    return methods;  // list_modules is ordered by name
}

void require_installed_method(const cli::Options& options) {
    if (options.method == "auto") return;
    const std::vector<std::string> methods = installed_methods(plugin::search_dirs(options.plugin_dirs));
    for (const auto& m : methods)
        if (m == options.method) return;
    std::string list = "auto";
    for (const auto& m : methods) list += ", " + m;
    throw cli::UsageError("unknown --method '" + options.method + "' (installed: " + list + ")" +
                          cli::did_you_mean(options.method, methods));
}

}  // namespace sshuttle::app
