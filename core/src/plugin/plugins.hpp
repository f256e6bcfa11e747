// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading plugin modules (Boost.DLL) and calling them through the versioned C ABI.
//
// Every failure is a PluginError with a one-line message that names the module file and what is wrong.
// A Module owns the boost::dll::shared_library; FirewallPlugin/TransportPlugin hold a shared_ptr to their
// Module, declared first, so the library is unloaded only after the plugin object it created is destroyed.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/firewall_request.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugin {

class PluginError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

/// Where to look for sshuttle-<name>.so, in order: the build tree (when it exists), the install prefix,
/// each --plugin-dir, then each entry of SSHUTTLE_PLUGIN_PATH (colon-separated).
std::vector<std::filesystem::path> search_dirs(const std::vector<std::string>& plugin_dirs);

/// Host services handed to plugins: logging through spdlog and a command runner. In dry-run mode the runner
/// records commands (recorded()) instead of running them.
class HostServices {
   public:
    explicit HostServices(bool dry_run = false);
    const sshuttle_host_v1* abi() const { return &abi_; }
    const std::vector<std::string>& recorded() const { return recorded_; }

   private:
    static void log_cb(void* ctx, int level, const char* message);
    static int run_cb(void* ctx, const char* const* argv, const char* stdin_text,
                      void (*out)(void*, const char*, size_t), void* out_ctx, sshuttle_error* err);
    sshuttle_host_v1 abi_{};
    std::vector<std::string> recorded_;
};

class Module;

/// A loaded firewall method.
class FirewallPlugin {
   public:
    FirewallPlugin(std::shared_ptr<Module> module, const sshuttle_firewall_v1& table, const HostServices& host);
    ~FirewallPlugin();
    FirewallPlugin(const FirewallPlugin&) = delete;
    FirewallPlugin& operator=(const FirewallPlugin&) = delete;

    std::string name() const;
    uint64_t features() const;
    int priority() const;
    std::filesystem::path file() const;
    bool has(uint64_t feature) const { return (features() & feature) == feature; }

    /// Probe: usable on this machine? reason explains either way.
    bool is_supported(std::string& reason) const;
    void setup(const FirewallRequest& request) const;      // throws PluginError
    void restore(const FirewallRequest& request) const;    // throws PluginError
    std::string render(const FirewallRequest& request) const;
    bool has_prepare_listener() const;
    void prepare_listener(int fd, int family, bool is_udp) const;
    /// The original destination of a redirected connection; nullopt (with reason) when unknown.
    std::optional<sockaddr_storage> original_dst(int fd, std::string& reason) const;

   private:
    std::shared_ptr<Module> module_;  // first: destroyed last
    sshuttle_firewall_v1 table_{};
    void* self_ = nullptr;
};

/// A loaded transport.
class TransportPlugin {
   public:
    TransportPlugin(std::shared_ptr<Module> module, const sshuttle_transport_v1& table, const HostServices& host,
                    const std::vector<std::pair<std::string, std::string>>& options);
    ~TransportPlugin();
    TransportPlugin(const TransportPlugin&) = delete;
    TransportPlugin& operator=(const TransportPlugin&) = delete;

    std::string name() const;
    const sshuttle_transport_v1& table() const { return table_; }
    void* self() const { return self_; }

   private:
    std::shared_ptr<Module> module_;
    sshuttle_transport_v1 table_{};
    void* self_ = nullptr;
};

/// What --list-plugins shows about one module.
struct PluginInfo {
    std::string name;
    std::string kind;          // "firewall" or "transport" (or both, "firewall+transport")
    std::string abi_version;   // "1.0"
    uint64_t features = 0;
    std::string feature_names; // "ipv4,ipv6,tcp,dns,..."
    int priority = 0;
    std::filesystem::path file;
    bool usable = false;
    std::string reason;        // probe result, or why the module could not be loaded
};

/// Loads the firewall method `name` (sshuttle-<name>.so) from the first directory that has it.
std::unique_ptr<FirewallPlugin> load_firewall(const std::string& name, const std::vector<std::filesystem::path>& dirs,
                                              const HostServices& host);
/// Loads a firewall module from an exact path (tests, fixtures).
std::unique_ptr<FirewallPlugin> load_firewall_file(const std::filesystem::path& file, const HostServices& host);

std::unique_ptr<TransportPlugin> load_transport(const std::string& name,
                                                const std::vector<std::filesystem::path>& dirs,
                                                const HostServices& host,
                                                const std::vector<std::pair<std::string, std::string>>& options);

/// Every sshuttle-*.so in dirs (first occurrence of a name wins), loaded, probed and described.
std::vector<PluginInfo> discover(const std::vector<std::filesystem::path>& dirs, const HostServices& host);

/// --method auto: the built-in order nat, nft, pf, ipfw, then third-party firewall plugins by priority;
/// tproxy never. Returns the first usable one; throws PluginError listing each candidate and why not.
/// `why` gets one line per candidate for -v and --list-plugins.
std::unique_ptr<FirewallPlugin> select_auto(const std::vector<std::filesystem::path>& dirs, const HostServices& host,
                                            std::vector<std::string>& why);

/// The table printed by --list-plugins.
std::string format_plugin_table(const std::vector<PluginInfo>& plugins);

}  // namespace sshuttle::plugin
