// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading one firewall or transport plugin by name (search directories) or by exact path.
#include "plugin/module.hpp"
#include "plugin/plugins.hpp"
#include "plugin/search.hpp"

namespace sshuttle::plugin {
namespace fs = std::filesystem;

std::unique_ptr<FirewallPlugin> load_firewall_file(const fs::path& file, const HostServices& host,
                                                   const PluginOptions& options) {
    std::shared_ptr<Module> module = Module::open(file);
    sshuttle_firewall_v1 table = module->firewall_table();
    return std::make_unique<FirewallPlugin>(module, table, host, options);
}

std::unique_ptr<FirewallPlugin> load_firewall(const std::string& name, const std::vector<fs::path>& dirs,
                                              const HostServices& host, const PluginOptions& options) {
    std::optional<fs::path> file = find_module(name, dirs);
    if (!file)
        throw PluginError(not_found_message("firewall method '" + name + "' (" + module_file_name(name) + ")", dirs));
    return load_firewall_file(*file, host, options);
}

std::unique_ptr<TransportPlugin> load_transport_file(const fs::path& file, const HostServices& host,
                                                     const std::vector<std::pair<std::string, std::string>>& options) {
    std::shared_ptr<Module> module = Module::open(file);
    sshuttle_transport_v1 table = module->transport_table();
    return std::make_unique<TransportPlugin>(module, table, host, options);
}

std::unique_ptr<TransportPlugin> load_transport(const std::string& name, const std::vector<fs::path>& dirs,
                                                const HostServices& host,
                                                const std::vector<std::pair<std::string, std::string>>& options) {
    std::optional<fs::path> file = find_module(name, dirs);
    // Transports ship as sshuttle-transport-<name>.so; "-r ... --transport ssh" should not need the prefix.
    if (!file) file = find_module("transport-" + name, dirs);
    if (!file)
        throw PluginError(not_found_message("transport '" + name + "' (" + module_file_name(name) + " or " +
                                                module_file_name("transport-" + name) + ")",
                                            dirs));
    return load_transport_file(*file, host, options);
}

}  // namespace sshuttle::plugin
