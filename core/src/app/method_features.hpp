// SPDX-License-Identifier: LGPL-2.1-or-later
// Refusing a firewall method that cannot do what the options ask for (--dns, --user, --group, IPv6, port
// ranges, UDP), before anything is installed, with one line naming the feature and the methods that have it:
//   method 'ipfw' cannot --user; methods that can: nat
// Upstream does the same with assert_features (reference §3); the list of alternatives is ours. The check runs
// in the client once the manager has said which method it uses (so it covers --method auto too) and in
// --dry-run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/options.hpp"

namespace sshuttle::app {

/// One thing the options ask of the firewall method.
struct RequestedFeature {
    uint64_t bit = 0;      // SSHUTTLE_FEAT_*
    std::string wording;   // follows "cannot ": "--user", "handle IPv6 (2001:db8::/32)", ...
};

/// A firewall method as its module declares it (no probe is run).
struct MethodFeatures {
    std::string name;
    uint64_t features = 0;
};

/// What `options` ask for: --dns/--ns-hosts, --user, --group, IPv6 (an IPv6 subnet or -l address, unless
/// --disable-ipv6), port ranges (a subnet with ports); UDP only when `udp_wanted` (nothing asks for it yet:
/// methods that have it get it automatically, as upstream).
std::vector<RequestedFeature> requested_features(const cli::Options& options, bool udp_wanted = false);

/// Every firewall module in dirs (the first of each name) with its declared features, sorted by name;
/// modules that do not load are left out.
std::vector<MethodFeatures> known_methods(const std::vector<std::filesystem::path>& dirs);

/// Empty when `method` (with `features`) can do everything in `requested`; else the one-line refusal for
/// the first feature it lacks, listing the methods in `known` that have it ("no method found can" if none).
std::string method_refusal(const std::string& method, uint64_t features, const std::vector<RequestedFeature>& requested,
                           const std::vector<MethodFeatures>& known);

/// requested_features + known_methods + method_refusal: throws std::runtime_error with the refusal.
void require_method_features(const cli::Options& options, const std::string& method, uint64_t features,
                             bool udp_wanted = false);

}  // namespace sshuttle::app
