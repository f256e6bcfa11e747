// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading plugin modules (Boost.DLL) and calling them through the versioned C ABI.
//
// Every failure is a PluginError with a one-line message that names the module file and what is wrong.
// A Module owns the boost::dll::shared_library; FirewallPlugin/TransportPlugin hold a shared_ptr to their
// Module, declared first, so the library is unloaded only after the plugin object it created is destroyed.
// The HostServices given to a loader must outlive every plugin loaded with it (plugins keep its table).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plugin/firewall_request.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugin {

/// A plugin could not be found, loaded or called. what() is one line, "plugin <file>: <detail>"; the top level
/// prints it after "sshuttle: " like every other error.
class PluginError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
    PluginError(const std::filesystem::path& file, const std::string& detail);
    /// The message without the "plugin <file>: " prefix (for tables and candidate lists).
    std::string detail() const { return detail_.empty() ? what() : detail_; }

   private:
    std::string detail_;
};

/// Where to look for sshuttle-<name>.so, in order: <dir of the real binary>/<bin-to-plugins path> (the build tree
/// mirrors the installed layout), the configured prefix's plugin dir,
/// each --plugin-dir, then each entry of SSHUTTLE_PLUGIN_PATH (colon-separated). When a name exists in several
/// directories the first one wins.
std::vector<std::filesystem::path> search_dirs(const std::vector<std::string>& plugin_dirs);

/// Host services handed to plugins: logging through spdlog and a command runner. In dry-run mode the runner
/// records commands (recorded()) instead of running them.
class HostServices {
   public:
    explicit HostServices(bool dry_run = false);
    HostServices(const HostServices&) = delete;
    HostServices& operator=(const HostServices&) = delete;

    /// The table lent to plugins; log lines carry no plugin name.
    const sshuttle_host_v1* abi() const { return abi_for(""); }
    /// The table lent to the plugin `plugin_name`: its log lines are prefixed "[name] ". Stable for the
    /// lifetime of this object.
    const sshuttle_host_v1* abi_for(const std::string& plugin_name) const;
    bool dry_run() const { return dry_run_; }
    /// Dry run: each command as its shell-quoted argv, then "\n" and its stdin when it has one.
    const std::vector<std::string>& recorded() const { return recorded_; }
    void clear_recorded() { recorded_.clear(); }

   private:
    struct Binding {
        sshuttle_host_v1 abi{};
        HostServices* services = nullptr;
        std::string plugin_name;
    };
    static void log_cb(void* ctx, int level, const char* message);
    static int run_cb(void* ctx, const char* const* argv, const char* stdin_text,
                      void (*out)(void*, const char*, size_t), void* out_ctx, sshuttle_error* err);

    bool dry_run_ = false;
    // Mutable: plugins log and run through a const HostServices; bindings are created on first use.
    mutable std::map<std::string, std::unique_ptr<Binding>> bindings_;
    mutable std::vector<std::string> recorded_;
};

class Module;

/// A create() option: key and value (a firewall method's come from its flags, plugin/method_options.hpp).
using PluginOptions = std::vector<std::pair<std::string, std::string>>;

/// A loaded firewall method.
class FirewallPlugin {
   public:
    FirewallPlugin(std::shared_ptr<Module> module, const sshuttle_firewall_v1& table, const HostServices& host,
                   const PluginOptions& options = {});
    ~FirewallPlugin();
    FirewallPlugin(const FirewallPlugin&) = delete;
    FirewallPlugin& operator=(const FirewallPlugin&) = delete;

    std::string name() const;
    std::string description() const;
    uint64_t features() const;
    int priority() const;
    std::filesystem::path file() const;
    bool has(uint64_t feature) const { return (features() & feature) == feature; }

    /// Probe: usable on this machine? reason explains either way.
    bool is_supported(std::string& reason) const;
    void setup(const FirewallRequest& request) const;      // throws PluginError
    void restore(const FirewallRequest& request) const;    // throws PluginError
    std::string render(const FirewallRequest& request) const;  // throws PluginError
    /// ABI 1.2: the method can replace its rules in one transaction (update below).
    bool has_update() const { return table_.update != nullptr; }
    /// Replaces the rules of request.family/request.port with request's at once; throws PluginError (also when
    /// the method has no update).
    void update(const FirewallRequest& request) const;
    /// ABI 1.2: the method reads original destinations from the kernel's NAT states (nat_lookup below).
    bool has_nat_lookup() const { return table_.nat_lookup != nullptr; }
    /// The original destination of the connection from src to dst (the accepted socket's peer and local
    /// address); nullopt with reason (the plugin's message) when the kernel has none. Throws PluginError when
    /// the method has no nat_lookup.
    std::optional<net::Endpoint> nat_lookup(int proto, const net::Endpoint& src, const net::Endpoint& dst,
                                            std::string& reason) const;
    /// ABI 1.3: the method checks what its rules need from the machine before any setup (preflight below).
    bool has_preflight() const { return table_.preflight != nullptr; }
    /// Checks, changing nothing, that every request could be set up; throws PluginError with the plugin's one
    /// line naming what is missing. A no-op when the method has no preflight.
    void preflight(const std::vector<FirewallRequest>& requests) const;
    bool has_prepare_listener() const { return table_.prepare_listener != nullptr; }
    bool has_original_dst() const { return table_.original_dst != nullptr; }
    /// No-op when the plugin has no prepare_listener; throws PluginError when it fails.
    void prepare_listener(int fd, int family, bool is_udp) const;
    /// The original destination of a redirected connection; nullopt (with reason) when unknown.
    std::optional<sockaddr_storage> original_dst(int fd, std::string& reason) const;

    /// ABI 1.1: both UDP members present (never true for a table whose struct_size ends before them).
    bool has_udp() const { return table_.recv_udp != nullptr && table_.open_udp_reply != nullptr; }
    /// One datagram read by recv_udp: its full size (> the buffer when it was cut), sender, original destination.
    struct UdpDatagram {
        std::size_t size = 0;
        sockaddr_storage source{};
        sockaddr_storage destination{};
    };
    /// Reads one datagram from a transparent UDP listener into buffer; nullopt when none is waiting. Throws
    /// PluginError when this read failed (the socket stays usable) or the plugin has no recv_udp.
    std::optional<UdpDatagram> recv_udp(int fd, std::span<uint8_t> buffer) const;
    /// A socket sending from `from` (need not be a local address), connected to `to` when given; the caller
    /// owns the returned fd. Throws PluginError on failure or when the plugin has no open_udp_reply.
    int open_udp_reply(const sockaddr_storage& from, const sockaddr_storage* to) const;

   private:
    std::shared_ptr<Module> module_;  // first: destroyed last
    sshuttle_firewall_v1 table_{};
    void* self_ = nullptr;
};

/// A loaded transport. The transport area drives it through table() and self().
class TransportPlugin {
   public:
    TransportPlugin(std::shared_ptr<Module> module, const sshuttle_transport_v1& table, const HostServices& host,
                    const std::vector<std::pair<std::string, std::string>>& options);
    ~TransportPlugin();
    TransportPlugin(const TransportPlugin&) = delete;
    TransportPlugin& operator=(const TransportPlugin&) = delete;

    /// The table has open_channel (ABI 1.2): more channels on one connection.
    bool can_open_channel() const;
    /// One more channel on this instance's connection: a new instance of the same module, destroyed (by the
    /// returned object) with the table's destroy. Throws PluginError, or returns the failed call's status in
    /// `status` with `err` filled when the plugin refused (status != SSHUTTLE_OK, nullptr returned).
    std::unique_ptr<TransportPlugin> open_channel(const sshuttle_transport_request& req, int& status,
                                                  sshuttle_error& err) const;

    /// The table has forward_tcp (ABI 1.4): single TCP connections on channels of their own.
    bool can_forward_tcp() const;

    std::string name() const;
    std::filesystem::path file() const;
    bool is_supported(std::string& reason) const;
    const sshuttle_transport_v1& table() const { return table_; }
    void* self() const { return self_; }
    /// Throws PluginError "plugin <file>: <what> failed: <err.message>" for a failed call's status.
    [[noreturn]] void fail(const std::string& what, int status, const sshuttle_error& err) const;

   private:
    // Adopts an instance the module made (open_channel).
    TransportPlugin(std::shared_ptr<Module> module, const sshuttle_transport_v1& table, void* self)
        : module_(std::move(module)), table_(table), self_(self) {}

    std::shared_ptr<Module> module_;  // first: destroyed last
    sshuttle_transport_v1 table_{};
    void* self_ = nullptr;
};

/// What --list-plugins shows about one module.
struct PluginInfo {
    std::string name;
    std::string kind;          // "firewall", "transport", "firewall+transport", or "?" when it failed to load
    std::string abi_version;   // "1.0"
    uint64_t features = 0;
    std::string feature_names; // "ipv4,ipv6,tcp,dns,..."
    int priority = 0;
    std::filesystem::path file;
    bool usable = false;
    std::string reason;        // probe result, or why the module could not be loaded
};

/// Loads the firewall method `name` (sshuttle-<name>.so) from the first directory that has it.
/// `options` go to its create().
std::unique_ptr<FirewallPlugin> load_firewall(const std::string& name, const std::vector<std::filesystem::path>& dirs,
                                              const HostServices& host, const PluginOptions& options = {});
/// Loads a firewall module from an exact path (tests, fixtures).
std::unique_ptr<FirewallPlugin> load_firewall_file(const std::filesystem::path& file, const HostServices& host,
                                                   const PluginOptions& options = {});

/// Loads the transport `name`: sshuttle-<name>.so, or else sshuttle-transport-<name>.so ("ssh" finds
/// sshuttle-transport-ssh.so), from the first directory that has it.
std::unique_ptr<TransportPlugin> load_transport(const std::string& name,
                                                const std::vector<std::filesystem::path>& dirs,
                                                const HostServices& host,
                                                const std::vector<std::pair<std::string, std::string>>& options);
/// Loads a transport module from an exact path (tests, fixtures).
std::unique_ptr<TransportPlugin> load_transport_file(const std::filesystem::path& file, const HostServices& host,
                                                     const std::vector<std::pair<std::string, std::string>>& options);

/// Every sshuttle-*.so in dirs (first occurrence of a name wins), loaded, probed and described, sorted by name.
/// Modules that fail to load are listed with the reason instead of aborting. Probes always run for real (a
/// dry-run host gets a private real one for them), since they only look and must answer as in a real run.
std::vector<PluginInfo> discover(const std::vector<std::filesystem::path>& dirs, const HostServices& host);

/// --method auto: the built-in order nat, nft, pf, ipfw, then third-party firewall plugins by priority;
/// tproxy never. Returns the first usable one; throws PluginError listing each candidate and why not.
/// `why` gets one line per candidate for -v and --list-plugins. Probes run as in discover(); the returned plugin
/// uses `host`.
std::unique_ptr<FirewallPlugin> select_auto(const std::vector<std::filesystem::path>& dirs, const HostServices& host,
                                            std::vector<std::string>& why);

/// "ipv4,ipv6,tcp,..." for SSHUTTLE_FEAT_* bits ("-" when none).
std::string feature_names(uint64_t features);

/// The table printed by --list-plugins.
std::string format_plugin_table(const std::vector<PluginInfo>& plugins);

}  // namespace sshuttle::plugin
