// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/firewall_guard.hpp"

#include <stdexcept>

#include "app/area_configs.hpp"
#include "app/method_features.hpp"
#include "plugin/method_options.hpp"
#include "util/log.hpp"

namespace sshuttle::app {

FirewallGuard::FirewallGuard(const cli::Options& options, const plugin::HostServices& host,
                             const std::vector<net::IpAddress>& nameservers) {
    manager_.start(manager_config_from(options));
    method_ = plugin::load_firewall(manager_.method(), plugin::search_dirs(options.plugin_dirs), host,
                                    plugin::options_for_method(options.method_options, manager_.method()));
    spdlog::debug("firewall method: {}", method_->name());
    for (const std::string& key : plugin::options_ignored_by(options.method_options, method_->name()))
        spdlog::warn("--{} is ignored with method '{}'", key, method_->name());
    ipv6_ = !options.disable_ipv6 && method_->has(SSHUTTLE_FEAT_IPV6);
    // Before anything is captured: a method that cannot do what was asked (--user, --dns, IPv6...) is refused.
    require_method_features(options, method_->name(), method_->features());
    nat_by_manager_ = method_->has(SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER);
    transparent_ = method_->has(SSHUTTLE_FEAT_TRANSPARENT_LISTENER);
    if (transparent_ && !nameservers.empty() && !method_->has_udp())
        throw std::runtime_error("method '" + method_->name() +
                                 "' cannot answer captured DNS (it has no UDP members, ABI 1.1); use --method nat "
                                 "or nft with --dns");
    udp_ = transparent_ && method_->has(SSHUTTLE_FEAT_UDP) && method_->has_udp();
}

FirewallGuard::~FirewallGuard() { close(); }

void FirewallGuard::install(const std::vector<net::Subnet>& rules, const std::vector<net::IpAddress>& nameservers,
                            const fwmgr::Ports& ports, const fwmgr::GoFields& go) {
    manager_.install(rules, nameservers, ports, go);
    installed_ = true;
    installed_rules_ = rules;
}

std::string FirewallGuard::update(const std::vector<net::Subnet>& rules) {
    std::string why = manager_.update_routes(rules);
    if (why.empty()) installed_rules_ = rules;
    return why;
}

void FirewallGuard::close() {
    if (closed_) return;
    closed_ = true;
    manager_.close();
}

}  // namespace sshuttle::app
