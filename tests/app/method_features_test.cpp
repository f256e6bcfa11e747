// SPDX-License-Identifier: LGPL-2.1-or-later
// Refusing a firewall method that lacks a feature the options ask for: what counts as asked for, the one-line
// message, and the alternatives read from the real plugin modules of this build.
#include "app/method_features.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "cli/parse_options.hpp"
#include "sshuttle/plugin_abi.h"

using namespace sshuttle;
using app::method_refusal;
using app::requested_features;

namespace {

cli::Options parse(const std::vector<std::string>& args) { return cli::parse_options(args, nullptr); }

std::vector<std::string> wordings(const cli::Options& options) {
    std::vector<std::string> out;
    for (const auto& f : requested_features(options)) out.push_back(f.wording);
    return out;
}

const std::vector<app::MethodFeatures> kKnown = {
    {"ipfw", SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS},
    {"nat", SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_DNS | SSHUTTLE_FEAT_USER | SSHUTTLE_FEAT_GROUP |
                SSHUTTLE_FEAT_PORT_RANGES},
    {"nft", SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_DNS | SSHUTTLE_FEAT_PORT_RANGES},
};

std::string refusal_of(const cli::Options& options, const std::string& method, uint64_t features) {
    try {
        app::require_method_features(options, method, features);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("method features: what the options ask for") {
    CHECK(wordings(parse({"192.0.2.0/24"})).empty());
    CHECK(wordings(parse({"--dns", "--user", "root", "--group", "root", "192.0.2.0/24"})) ==
          std::vector<std::string>{"--dns", "--user", "--group"});
    CHECK(wordings(parse({"--ns-hosts", "192.0.2.53", "192.0.2.0/24"})) == std::vector<std::string>{"--ns-hosts"});
    CHECK(wordings(parse({"192.0.2.0/24", "2001:db8::/32"})) ==
          std::vector<std::string>{"handle IPv6 (2001:db8::/32)"});
    CHECK(wordings(parse({"-l", "[::1]:0", "192.0.2.0/24"})) == std::vector<std::string>{"handle IPv6 (-l [::1]:0)"});
    CHECK(wordings(parse({"--disable-ipv6", "2001:db8::/32"})).empty());
    CHECK(wordings(parse({"192.0.2.0/24", "-x", "192.0.2.7:80"})) ==
          std::vector<std::string>{"match ports (192.0.2.7/32:80)"});
    CHECK(requested_features(parse({"192.0.2.0/24"}), /*udp_wanted=*/true).front().bit == SSHUTTLE_FEAT_UDP);
}

TEST_CASE("method features: the refusal names the feature and the methods that have it") {
    auto user = requested_features(parse({"--user", "root", "192.0.2.0/24"}));
    CHECK(method_refusal("ipfw", kKnown[0].features, user, kKnown) == "method 'ipfw' cannot --user; methods that can: nat");
    CHECK(method_refusal("nat", kKnown[1].features, user, kKnown).empty());
    auto v6 = requested_features(parse({"2001:db8::/32"}));
    CHECK(method_refusal("ipfw", kKnown[0].features, v6, kKnown) ==
          "method 'ipfw' cannot handle IPv6 (2001:db8::/32); methods that can: nat, nft");
    auto udp = requested_features(parse({"192.0.2.0/24"}), true);
    CHECK(method_refusal("nft", kKnown[2].features, udp, kKnown) == "method 'nft' cannot capture UDP; no method found can");
}

TEST_CASE("method features: alternatives come from the plugin modules of this build") {
    auto methods = app::known_methods({SSHUTTLE_TEST_PLUGIN_DIR});
    std::vector<std::string> names;
    for (const auto& m : methods) names.push_back(m.name);
    CHECK(names == std::vector<std::string>{"ipfw", "nat", "nft", "pf", "tproxy"});

    cli::Options options = parse({"--user", "root", "192.0.2.0/24"});
    options.plugin_dirs = {SSHUTTLE_TEST_PLUGIN_DIR};
    CHECK(refusal_of(options, "ipfw", methods[0].features) == "method 'ipfw' cannot --user; methods that can: nat");
    options = parse({"--dns", "192.0.2.0/24:8000-9000"});
    options.plugin_dirs = {SSHUTTLE_TEST_PLUGIN_DIR};
    CHECK(refusal_of(options, "ipfw", methods[0].features) ==
          "method 'ipfw' cannot match ports (192.0.2.0/24:8000-9000); methods that can: nat, nft, pf, tproxy");
    CHECK(refusal_of(options, "nft", methods[2].features).empty());
}
