// SPDX-License-Identifier: LGPL-2.1-or-later
// A plugin built against an older minor of the ABI (the frozen 1.0 headers) still loads and works.
#include <doctest/doctest.h>

#include <filesystem>

#include "plugin/firewall_request.hpp"
#include "plugin/plugins.hpp"

using namespace sshuttle::plugin;

TEST_CASE("sdk: a firewall plugin built with the ABI 1.0 SDK loads into this host and works") {
    HostServices host(true);
    std::vector<PluginInfo> found = discover({std::filesystem::path(SDK_LEGACY_MODULE).parent_path()}, host);
    REQUIRE(found.size() == 1);
    CHECK(found[0].name == "legacy");
    CHECK(found[0].kind == "firewall");
    CHECK(found[0].abi_version == "1.0");
    CHECK(found[0].usable);
    CHECK(found[0].reason == "built against ABI 1.0");

    auto plugin = load_firewall_file(SDK_LEGACY_MODULE, host);
    CHECK(plugin->priority() == 90);
    CHECK_FALSE(plugin->has_udp());  // appended in 1.1: beyond this plugin's struct_size
    CHECK_FALSE(plugin->has_update());  // appended in 1.2: the manager falls back to restore + setup
    CHECK_FALSE(plugin->has_nat_lookup());  // appended in 1.2 too
    CHECK_FALSE(plugin->has_preflight());   // appended in 1.3
    FirewallRequest request;
    request.port = 12300;
    CHECK(plugin->render(request) == "legacy redirect to port 12300\n");
}
