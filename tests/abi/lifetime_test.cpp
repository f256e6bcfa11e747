// SPDX-License-Identifier: LGPL-2.1-or-later
// The module stays loaded exactly as long as a plugin object made by it exists (Boost.DLL lifetime rule).
#include <dlfcn.h>
#include <doctest/doctest.h>

#include "abi_support.hpp"

using namespace sshuttle::plugin;

namespace {

bool is_loaded(const std::filesystem::path& file) {
    void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle != nullptr) dlclose(handle);
    return handle != nullptr;
}

}  // namespace

TEST_CASE("lifetime: a transport module is unloaded after its last plugin object") {
    abi_test::TempDir dir;
    auto file = dir.add_module(ABI_FIXTURE_TRANSPORT, "loopback");  // a private copy nobody else has loaded
    HostServices host(false);
    CHECK_FALSE(is_loaded(file));
    {
        auto first = load_transport_file(file, host, {});
        auto second = load_transport_file(file, host, {});
        CHECK(is_loaded(file));
        first.reset();
        CHECK(is_loaded(file));  // second still uses it
    }
    CHECK_FALSE(is_loaded(file));
}

TEST_CASE("lifetime: an SDK firewall module is unloaded after its plugin object, also after a failed load") {
    abi_test::TempDir dir;
    auto good = dir.add_module(ABI_FIXTURE_GOOD, "good");
    auto broken = dir.add_module(ABI_FIXTURE_NULL_FUNCTION, "null-setup");
    HostServices host(true);
    {
        auto plugin = load_firewall_file(good, host);
        CHECK(is_loaded(good));
    }
    CHECK_FALSE(is_loaded(good));
    CHECK_THROWS_AS(load_firewall_file(broken, host), PluginError);
    CHECK_FALSE(is_loaded(broken));
}
