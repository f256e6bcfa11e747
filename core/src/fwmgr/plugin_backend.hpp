// SPDX-License-Identifier: LGPL-2.1-or-later
// The production FirewallBackend: a firewall plugin loaded as `--method` says (or chosen by `auto`).
#pragma once

#include <memory>

#include "fwmgr/firewall_backend.hpp"
#include "fwmgr/manager_config.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::fwmgr {

class PluginBackend : public FirewallBackend {
   public:
    /// Loads options.method from the plugin search path, or the first usable one for `auto` (each candidate's
    /// verdict is logged at debug level, i.e. with -v). Throws std::exception with a one-line reason when no
    /// method can be used.
    explicit PluginBackend(const ManagerConfig& options);

    std::string name() const override { return plugin_->name(); }
    uint64_t features() const override { return plugin_->features(); }
    void preflight(const std::vector<plugin::FirewallRequest>& requests) override { plugin_->preflight(requests); }
    void setup(const plugin::FirewallRequest& request) override { plugin_->setup(request); }
    void restore(const plugin::FirewallRequest& request) override { plugin_->restore(request); }
    bool has_update() const override { return plugin_->has_update(); }
    void update(const plugin::FirewallRequest& request) override { plugin_->update(request); }
    bool has_nat_lookup() const override { return plugin_->has_nat_lookup(); }
    std::optional<net::Endpoint> nat_lookup(int proto, const net::Endpoint& src, const net::Endpoint& dst,
                                            std::string& reason) override {
        return plugin_->nat_lookup(proto, src, dst, reason);
    }

   private:
    // Declared first: the plugin keeps a pointer to the host services for its whole life.
    plugin::HostServices host_;
    std::unique_ptr<plugin::FirewallPlugin> plugin_;
};

}  // namespace sshuttle::fwmgr
