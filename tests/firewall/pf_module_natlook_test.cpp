// SPDX-License-Identifier: LGPL-2.1-or-later
// sshuttle-pf.so's firewall table carries nat_lookup (ABI 1.2) for the root manager's QUERY_PF_NAT, and on
// Linux it refuses cleanly instead of touching anything. No extra export remains beside the ABI's own.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <cstddef>
#include <string>

#include "support/loaded_firewall.hpp"
#include "support/recording_host.hpp"

using sshuttle::test::LoadedFirewall;
using sshuttle::test::RecordingHost;

TEST_CASE("pf module: nat_lookup is a member of the firewall table and refuses on Linux") {
    RecordingHost host;
    LoadedFirewall pf("pf", host.get());
    const sshuttle_firewall_v1& table = pf.table();
    REQUIRE(table.struct_size >= offsetof(sshuttle_firewall_v1, nat_lookup) + sizeof table.nat_lookup);
    REQUIRE((table.nat_lookup != nullptr));
    CHECK((table.features & SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER) != 0);
    const uint8_t src[16] = {192, 0, 2, 10};
    const uint8_t dst[16] = {127, 0, 0, 1};
    uint8_t out[16] = {};
    uint16_t port = 0;
    sshuttle_error err{};
    CHECK(table.nat_lookup(pf.instance(), SSHUTTLE_AF_INET, 6, src, 40000, dst, 12300, out, &port, &err) ==
          SSHUTTLE_EUNSUPPORTED);
    CHECK(std::string(err.message) == "pf is not available on this OS (no /dev/pf)");
    CHECK(table.nat_lookup(pf.instance(), SSHUTTLE_AF_INET, 6, nullptr, 40000, dst, 12300, out, &port, &err) ==
          SSHUTTLE_EINVAL);
    CHECK(std::string(err.message) == "nat_lookup: NULL argument");
    CHECK(table.nat_lookup(pf.instance(), SSHUTTLE_AF_INET, 0, src, 40000, dst, 12300, out, &port, &err) ==
          SSHUTTLE_EINVAL);
    CHECK(std::string(err.message) == "pf natlook: invalid protocol 0");
}

TEST_CASE("pf module: the old private export sshuttle_pf_natlook_v1 is gone") {
    const std::string file = std::string(SSHUTTLE_TEST_PLUGIN_DIR) + "/sshuttle-pf.so";
    void* library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    REQUIRE_MESSAGE(library != nullptr, dlerror());
    CHECK(dlsym(library, "sshuttle_pf_natlook_v1") == nullptr);
    dlclose(library);
}
