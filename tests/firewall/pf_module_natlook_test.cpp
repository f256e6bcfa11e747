// SPDX-License-Identifier: LGPL-2.1-or-later
// sshuttle-pf.so exports the pf-private sshuttle_pf_natlook_v1 (through the plugin version script), and on
// Linux it refuses cleanly instead of touching anything.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <string>

#include "pf_natlook_abi.h"

TEST_CASE("pf module: sshuttle_pf_natlook_v1 is exported and refuses on Linux") {
    const std::string file = std::string(SSHUTTLE_TEST_PLUGIN_DIR) + "/sshuttle-pf.so";
    void* library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    REQUIRE_MESSAGE(library != nullptr, dlerror());
    auto natlook = reinterpret_cast<sshuttle_pf_natlook_v1_fn>(dlsym(library, SSHUTTLE_SYMBOL_PF_NATLOOK_V1));
    REQUIRE((natlook != nullptr));
    const uint8_t src[16] = {192, 0, 2, 10};
    const uint8_t dst[16] = {127, 0, 0, 1};
    uint8_t out[16] = {};
    uint16_t port = 0;
    sshuttle_error err{};
    CHECK(natlook(SSHUTTLE_AF_INET, 6, src, 40000, dst, 12300, out, &port, &err) == SSHUTTLE_EUNSUPPORTED);
    CHECK(std::string(err.message) == "pf is not available on this OS (no /dev/pf)");
    CHECK(natlook(SSHUTTLE_AF_INET, 6, nullptr, 40000, dst, 12300, out, &port, &err) == SSHUTTLE_EINVAL);
    CHECK(std::string(err.message) == "pf natlook: NULL argument");
    dlclose(library);
}
