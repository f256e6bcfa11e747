// SPDX-License-Identifier: LGPL-2.1-or-later
// The plugin modules of this build (SSHUTTLE_REAL_PLUGINS, colon-separated, from CMake) obey the ABI.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <elf.h>
#include <link.h>

#include <algorithm>

#include "abi_support.hpp"
#include "plugin/module.hpp"

using namespace sshuttle::plugin;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> real_plugins() {
    std::vector<fs::path> files;
    std::string list = SSHUTTLE_REAL_PLUGINS;
    size_t start = 0;
    while (start < list.size()) {
        size_t end = std::min(list.find(':', start), list.size());
        if (end > start) files.emplace_back(list.substr(start, end - start));
        start = end + 1;
    }
    return files;
}

// True when the loaded object carries DF_1_NODELETE (linked with -z nodelete), read from its dynamic section.
bool linked_nodelete(void* handle) {
    link_map* map = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) return false;
    for (const ElfW(Dyn)* d = map->l_ld; d->d_tag != DT_NULL; ++d)
        if (d->d_tag == DT_FLAGS_1) return (d->d_un.d_val & DF_1_NODELETE) != 0;
    return false;
}

// sshuttle-nat.so -> "nat"
std::string stem_name(const fs::path& file) {
    std::string stem = file.stem().string();
    return stem.substr(std::string("sshuttle-").size());
}

// The sample request reduced to what the plugin declares it can do, so that render must succeed.
FirewallRequest request_for(const FirewallPlugin& plugin, sshuttle::net::Family family) {
    FirewallRequest req = abi_test::sample_request();
    req.family = family;
    if (family == sshuttle::net::Family::kIPv6) {
        req.subnets.clear();
        req.nameservers.clear();
    }
    if (!plugin.has(SSHUTTLE_FEAT_USER)) req.uid = -1;
    if (!plugin.has(SSHUTTLE_FEAT_DNS)) {
        req.dns_port = 0;
        req.nameservers.clear();
    }
    if (!plugin.has(SSHUTTLE_FEAT_PORT_RANGES)) {
        for (auto& subnet : req.subnets) subnet.port_first = subnet.port_last = 0;
    }
    return req;
}

void check_firewall(const fs::path& file) {
    HostServices host(true);
    auto plugin = load_firewall_file(file, host);
    CHECK(plugin->name() == stem_name(file));  // --method <name> loads sshuttle-<name>.so
    std::string reason;
    plugin->is_supported(reason);
    CHECK_FALSE(reason.empty());
    size_t commands_before = host.recorded().size();
    for (auto family : {sshuttle::net::Family::kIPv4, sshuttle::net::Family::kIPv6}) {
        if (!plugin->has(family == sshuttle::net::Family::kIPv4 ? SSHUTTLE_FEAT_IPV4 : SSHUTTLE_FEAT_IPV6)) continue;
        CAPTURE(static_cast<int>(family));
        CHECK_FALSE(plugin->render(request_for(*plugin, family)).empty());
    }
    CHECK(host.recorded().size() == commands_before);  // rendering is pure: it runs nothing
    // The root manager answers QUERY_PF_NAT only through the table's nat_lookup (ABI 1.2), no private export.
    CHECK(plugin->has(SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER) == plugin->has_nat_lookup());
}

void check_transport(const fs::path& file) {
    HostServices host(true);
    auto transport = load_transport_file(file, host, {});
    std::string stem = stem_name(file);
    CHECK((transport->name() == stem || "transport-" + transport->name() == stem));
}

}  // namespace

TEST_CASE("real plugins: every module of this build loads, describes itself and renders") {
    std::vector<fs::path> files = real_plugins();
    MESSAGE(files.size() << " plugin module(s) of this build to check");
    for (const fs::path& file : files) {
        CAPTURE(file);
        REQUIRE(fs::exists(file));
        std::shared_ptr<Module> module = Module::open(file);
        CHECK(module->abi_version() == SSHUTTLE_ABI_VERSION);
        if (module->has_firewall()) check_firewall(file);
        if (module->has_transport()) check_transport(file);
    }
}

TEST_CASE("real plugins: --list-plugins over the build tree lists each without a load error") {
    std::vector<fs::path> files = real_plugins();
    if (files.empty()) return;
    HostServices host(false);  // probes only look; a dry-run host would answer them with fake successes
    std::vector<PluginInfo> found = discover({files.front().parent_path()}, host);
    for (const PluginInfo& info : found) {
        CAPTURE(info.file);
        CHECK(info.kind != "?");
        CHECK(info.abi_version == "1.4");
    }
    MESSAGE("\n" << format_plugin_table(found));
}

TEST_CASE("real plugins: each module is unloaded once its plugin object is gone, unless it is linked to stay") {
    // Fails when a module exports GNU_UNIQUE symbols (no version script), which glibc never unloads. The one
    // module linked -z nodelete on purpose is transport-ssh: it registers an OpenSSL provider that OpenSSL keeps
    // calling until the process exits.
    for (const fs::path& file : real_plugins()) {
        CAPTURE(file);
        abi_test::TempDir dir;
        fs::path copy = dir.add_module(file, stem_name(file));
        HostServices host(true);
        {
            std::shared_ptr<Module> module = Module::open(copy);
            if (module->has_firewall()) load_firewall_file(copy, host);
            if (module->has_transport()) load_transport_file(copy, host, {});
        }
        void* handle = dlopen(copy.c_str(), RTLD_NOW | RTLD_NOLOAD);
        const bool meant_to_stay = stem_name(file) == "transport-ssh";
        CHECK((handle != nullptr) == meant_to_stay);
        if (handle != nullptr) {
            CHECK(linked_nodelete(handle) == meant_to_stay);
            dlclose(handle);
        }
    }
}
