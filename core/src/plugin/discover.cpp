// SPDX-License-Identifier: LGPL-2.1-or-later
// --list-plugins (discover) and --method auto (select_auto).
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

#include <fcntl.h>
#include <unistd.h>

#include "plugin/module.hpp"
#include "plugin/plugins.hpp"
#include "plugin/root_view.hpp"
#include "plugin/search.hpp"

namespace sshuttle::plugin {
namespace fs = std::filesystem;
namespace {

// The order upstream sshuttle tries methods in; tproxy needs extra setup (routes, marks) so it is never guessed.
constexpr std::array<const char*, 4> kAutoOrder = {"nat", "nft", "pf", "ipfw"};
constexpr const char* kNeverAuto = "tproxy";

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
    return out;
}

using RootView = std::optional<std::map<fs::path, RootProbe>>;

// While it lives, this process's stderr goes to /dev/null: a probe run as a normal user must not put the
// tools' own complaints ("Permission denied (you must be root)") on the terminal.
class QuietStderr {
   public:
    QuietStderr() {
        std::fflush(stderr);
        saved_ = dup(STDERR_FILENO);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    ~QuietStderr() {
        if (saved_ < 0) return;
        dup2(saved_, STDERR_FILENO);
        close(saved_);
    }
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;

   private:
    int saved_ = -1;
};

// A firewall probe: as root, the plugin's own; as a normal user, what root would see (root_view.hpp), since the
// real run uses the method through sudo; without a user namespace, the user's own probe, labelled as such.
bool probe_firewall(const FirewallPlugin& firewall, const RootView& root, std::string& reason) {
    if (geteuid() == 0) return firewall.is_supported(reason);
    if (root) {
        auto it = root->find(firewall.file());
        if (it != root->end()) {
            reason = (it->second.usable ? "usable through sudo: " : "not usable, even as root: ") + it->second.reason;
            return it->second.usable;
        }
    }
    bool usable;
    {
        QuietStderr quiet;
        usable = firewall.is_supported(reason);
    }
    if (!usable) reason = "as this user: " + reason + " (sudo sshuttle --list-plugins tells for root)";
    return usable;
}

RootView root_view_for(const std::map<std::string, fs::path>& files) {
    if (geteuid() == 0) return std::nullopt;
    std::vector<std::shared_ptr<Module>> modules;
    for (const auto& [stem, file] : files) {
        try {
            modules.push_back(Module::open(file));
        } catch (const PluginError&) {
            // describe() reports it
        }
    }
    return probe_as_root(modules);
}

void describe_module(const Module& module, const std::shared_ptr<Module>& shared, const HostServices& host,
                     const RootView& root, PluginInfo& info) {
    std::vector<std::string> kinds;
    std::vector<std::string> reasons;
    bool usable = true;
    if (module.has_firewall()) {
        FirewallPlugin firewall(shared, module.firewall_table(), host);
        info.name = firewall.name();
        info.features = firewall.features();
        info.priority = firewall.priority();
        std::string reason;
        usable = probe_firewall(firewall, root, reason) && usable;
        kinds.push_back("firewall");
        reasons.push_back(reason);
    }
    if (module.has_transport()) {
        TransportPlugin transport(shared, module.transport_table(), host, {});
        if (kinds.empty()) info.name = transport.name();
        std::string reason;
        usable = transport.is_supported(reason) && usable;
        kinds.push_back("transport");
        reasons.push_back(reason);
    }
    // A module with both tables labels each reason with the part it belongs to.
    if (kinds.size() > 1) {
        for (size_t i = 0; i < kinds.size(); ++i) reasons[i] = kinds[i] + ": " + reasons[i];
    }
    info.kind = join(kinds, "+");
    info.usable = usable;
    info.reason = join(reasons, "; ");
}

// Probes only look at the system, and under --dry-run they must answer as in a real run (a recorded command
// "succeeds"), so they always get a host that really runs commands.
const HostServices& probing_host(const HostServices& host, std::optional<HostServices>& real) {
    if (!host.dry_run()) return host;
    real.emplace(false);
    return *real;
}

PluginInfo describe(const std::string& stem, const fs::path& file, const HostServices& host, const RootView& root) {
    PluginInfo info;
    info.name = stem;
    info.kind = "?";
    info.file = file;
    try {
        std::shared_ptr<Module> module = Module::open(file);
        info.abi_version = format_abi_version(module->abi_version());
        describe_module(*module, module, host, root, info);
    } catch (const PluginError& e) {
        info.usable = false;
        info.reason = e.detail();
    } catch (const std::exception& e) {
        info.usable = false;
        info.reason = e.what();
    }
    info.feature_names = feature_names(info.features);
    return info;
}

struct Candidate {
    std::shared_ptr<Module> module;
    sshuttle_firewall_v1 table{};
    std::string name;
};

// Built-in methods first in their fixed order, then third-party ones by priority (then name).
auto auto_rank(const Candidate& c) {
    auto builtin = std::find(kAutoOrder.begin(), kAutoOrder.end(), c.name);
    int builtin_index = static_cast<int>(builtin - kAutoOrder.begin());
    return std::make_tuple(builtin_index, builtin == kAutoOrder.end() ? c.table.priority : 0, c.name);
}

std::vector<Candidate> auto_candidates(const std::vector<fs::path>& dirs, std::vector<std::string>& why) {
    std::vector<Candidate> candidates;
    for (const auto& [stem, file] : list_modules(dirs)) {
        try {
            std::shared_ptr<Module> module = Module::open(file);
            if (!module->has_firewall()) continue;  // a transport
            sshuttle_firewall_v1 table = module->firewall_table();
            if (std::string(table.name) == kNeverAuto) {
                why.push_back(std::string(kNeverAuto) + ": skipped (used only with --method tproxy)");
                continue;
            }
            candidates.push_back({module, table, table.name});
        } catch (const PluginError& e) {
            why.push_back(stem + ": cannot load: " + e.detail());
        }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return auto_rank(a) < auto_rank(b); });
    return candidates;
}

}  // namespace

std::vector<PluginInfo> discover(const std::vector<fs::path>& dirs, const HostServices& host) {
    std::optional<HostServices> real;
    const HostServices& prober = probing_host(host, real);
    std::vector<PluginInfo> plugins;
    const auto modules = list_modules(dirs);
    const RootView root = root_view_for(modules);
    for (const auto& [stem, file] : modules) plugins.push_back(describe(stem, file, prober, root));
    return plugins;
}

std::unique_ptr<FirewallPlugin> select_auto(const std::vector<fs::path>& dirs, const HostServices& host,
                                            std::vector<std::string>& why) {
    std::optional<HostServices> real;
    const HostServices& prober = probing_host(host, real);
    const RootView root = root_view_for(list_modules(dirs));
    for (Candidate& candidate : auto_candidates(dirs, why)) {
        try {
            std::string reason;
            bool usable = probe_firewall(FirewallPlugin(candidate.module, candidate.table, prober), root, reason);
            std::string detail = reason.empty() ? "" : " (" + reason + ")";
            why.push_back(candidate.name + ": " + (usable ? "yes" : "no") + detail);
            // The chosen method works for the caller's host (which may only record commands).
            if (usable) return std::make_unique<FirewallPlugin>(candidate.module, candidate.table, host);
        } catch (const PluginError& e) {
            why.push_back(candidate.name + ": cannot create: " + e.detail());
        }
    }
    if (why.empty()) throw PluginError(not_found_message("firewall plugin for --method auto", dirs));
    throw PluginError("no usable firewall method for --method auto: " + join(why, "; "));
}

}  // namespace sshuttle::plugin
