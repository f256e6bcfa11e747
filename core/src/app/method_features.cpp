// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/method_features.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "plugin/module.hpp"
#include "plugin/plugins.hpp"
#include "plugin/search.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::app {
namespace {

/// The first IPv6 subnet or listen address the user gave, as text; empty when none.
std::string first_ipv6_request(const cli::Options& options) {
    for (const auto& s : options.subnets)
        if (s.address.family == net::Family::kIPv6) return s.to_string();
    if (options.listen_given)
        for (const auto& l : options.listen)
            if (l.address.family == net::Family::kIPv6) return "-l " + l.to_string();
    return {};
}

/// The first subnet (included or excluded) with a port range, as text; empty when none.
std::string first_port_range(const cli::Options& options) {
    for (const auto* list : {&options.subnets, &options.excludes})
        for (const auto& s : *list)
            if (s.port_first != 0) return s.to_string();
    return {};
}

}  // namespace

std::vector<RequestedFeature> requested_features(const cli::Options& options, bool udp_wanted) {
    std::vector<RequestedFeature> out;
    if (options.dns) out.push_back({SSHUTTLE_FEAT_DNS, "--dns"});
    if (!options.dns && !options.ns_hosts.empty()) out.push_back({SSHUTTLE_FEAT_DNS, "--ns-hosts"});
    if (options.user) out.push_back({SSHUTTLE_FEAT_USER, "--user"});
    if (options.group) out.push_back({SSHUTTLE_FEAT_GROUP, "--group"});
    if (std::string v6 = first_ipv6_request(options); !v6.empty() && !options.disable_ipv6)
        out.push_back({SSHUTTLE_FEAT_IPV6, "handle IPv6 (" + v6 + ")"});
    if (std::string ranged = first_port_range(options); !ranged.empty())
        out.push_back({SSHUTTLE_FEAT_PORT_RANGES, "match ports (" + ranged + ")"});
    if (udp_wanted) out.push_back({SSHUTTLE_FEAT_UDP, "capture UDP"});
    return out;
}

std::vector<MethodFeatures> known_methods(const std::vector<std::filesystem::path>& dirs) {
    std::vector<MethodFeatures> out;
    for (const auto& [stem, file] : plugin::list_modules(dirs)) {
        try {
            std::shared_ptr<plugin::Module> module = plugin::Module::open(file);
            if (!module->has_firewall()) continue;
            sshuttle_firewall_v1 table = module->firewall_table();
            out.push_back({table.name, table.features});
        } catch (const std::exception&) {
            // A broken module is --list-plugins' business; it just cannot be suggested here.
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::string method_refusal(const std::string& method, uint64_t features, const std::vector<RequestedFeature>& requested,
                           const std::vector<MethodFeatures>& known) {
    for (const auto& want : requested) {
        if ((features & want.bit) == want.bit) continue;
        std::string alternatives;
        for (const auto& m : known)
            if (m.name != method && (m.features & want.bit) == want.bit)
                alternatives += (alternatives.empty() ? "" : ", ") + m.name;
        return "method '" + method + "' cannot " + want.wording + "; " +
               (alternatives.empty() ? "no method found can" : "methods that can: " + alternatives);
    }
    return {};
}

void require_method_features(const cli::Options& options, const std::string& method, uint64_t features,
                             bool udp_wanted) {
    const auto requested = requested_features(options, udp_wanted);
    if (method_refusal(method, features, requested, {}).empty()) return;  // the common case: no module scan
    const std::string why =
        method_refusal(method, features, requested, known_methods(plugin::search_dirs(options.plugin_dirs)));
    throw std::runtime_error(why);
}

}  // namespace sshuttle::app
