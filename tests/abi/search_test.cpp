// SPDX-License-Identifier: LGPL-2.1-or-later
// Where modules are looked for, and which one wins when a name is in several directories.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdlib.h>
#include <unistd.h>

#include "abi_support.hpp"
#include "build_config.hpp"
#include "util/install_layout.hpp"

using namespace sshuttle::plugin;
namespace fs = std::filesystem;

namespace {

/// Sets SSHUTTLE_PLUGIN_PATH for the scope, then restores it.
class PluginPathEnv {
   public:
    explicit PluginPathEnv(const char* value) {
        if (const char* old = getenv("SSHUTTLE_PLUGIN_PATH")) old_ = old;
        setenv("SSHUTTLE_PLUGIN_PATH", value, 1);
    }
    ~PluginPathEnv() {
        if (old_) setenv("SSHUTTLE_PLUGIN_PATH", old_->c_str(), 1);
        else unsetenv("SSHUTTLE_PLUGIN_PATH");
    }

   private:
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("search: own plugin dir, configured prefix, --plugin-dir, SSHUTTLE_PLUGIN_PATH, without duplicates") {
    PluginPathEnv env("/env/a::/env/b");
    std::vector<fs::path> expected = sshuttle::util::own_plugin_dirs();
    for (const char* dir : {"/cli/x", "/cli/y", "/env/a", "/env/b"}) expected.push_back(dir);
    CHECK(search_dirs({"/cli/x", "/cli/y", "/env/a"}) == expected);
}

TEST_CASE("search: the own plugin dir is found from the real binary (the build tree mirrors the installed layout)") {
    // This test binary sits in the build tree's bin/ like sshuttle: the same relative path leads to the plugins.
    std::vector<fs::path> own = sshuttle::util::own_plugin_dirs();
    REQUIRE(own.size() == 2);
    CHECK(fs::equivalent(own[0], SSHUTTLE_TEST_PLUGIN_BUILD_DIR));
    CHECK(own[1] == fs::path(sshuttle::build::kInstallPluginDir));
    // No path of the build tree is compiled in: only relative ones and the configured prefix.
    for (const char* compiled : {sshuttle::build::kPluginDirFromBin, sshuttle::build::kHelperDirFromBin}) {
        CHECK(fs::path(compiled).is_relative());
    }
}

TEST_CASE("search: without SSHUTTLE_PLUGIN_PATH entries only the fixed dirs and --plugin-dir") {
    PluginPathEnv env("");
    std::vector<fs::path> dirs = search_dirs({"/cli/x"});
    CHECK(dirs.back() == fs::path("/cli/x"));
    CHECK(std::find(dirs.begin(), dirs.end(), fs::path(sshuttle::build::kInstallPluginDir)) != dirs.end());
}

TEST_CASE("search: the first directory that has a name wins") {
    abi_test::TempDir first;
    abi_test::TempDir second;
    fs::path winner = first.add_module(ABI_FIXTURE_GOOD, "dup");
    second.add_module(ABI_FIXTURE_NAT_NO, "dup");
    HostServices host(true);

    auto plugin = load_firewall("dup", {first.path(), second.path()}, host);
    CHECK(plugin->file() == winner);
    CHECK(plugin->name() == "fixture-good");
    CHECK(load_firewall("dup", {second.path(), first.path()}, host)->name() == "nat");

    std::vector<PluginInfo> found = discover({first.path(), second.path()}, host);
    REQUIRE(found.size() == 1);
    CHECK(found[0].file == winner);
}

TEST_CASE("search: not found lists every directory searched") {
    abi_test::TempDir first;
    abi_test::TempDir second;
    HostServices host(true);
    std::string expected = "firewall method 'missing' (sshuttle-missing.so) not found (searched: " +
                           first.path().string() + ", " + second.path().string() + ")";
    CHECK_THROWS_WITH_AS(load_firewall("missing", {first.path(), second.path()}, host), expected.c_str(),
                         PluginError);
    CHECK_THROWS_WITH_AS(load_transport("missing", {first.path()}, host, {}),
                         ("transport 'missing' (sshuttle-missing.so or sshuttle-transport-missing.so) "
                          "not found (searched: " + first.path().string() + ")").c_str(),
                         PluginError);
}

TEST_CASE("search: a transport is found with or without its transport- prefix") {
    abi_test::TempDir dir;
    fs::path file = dir.add_module(ABI_FIXTURE_TRANSPORT, "transport-loop");
    HostServices host(true);
    CHECK(load_transport("loop", {dir.path()}, host, {})->file() == file);
    CHECK(load_transport("transport-loop", {dir.path()}, host, {})->name() == "loopback");
}

TEST_CASE("search: as root, a module another user could have written is never loaded") {
    abi_test::TempDir dir;
    fs::path module = dir.add_module(ABI_FIXTURE_GOOD, "writable");
    HostServices host(true);
    CHECK(load_firewall("writable", {dir.path()}, host)->name() == "fixture-good");

    // Group- or world-writable: replaceable by someone else, so root must not run it.
    fs::permissions(module, fs::perms::group_write | fs::perms::others_write, fs::perm_options::add);
    if (geteuid() == 0) {
        CHECK_THROWS_AS(load_firewall("writable", {dir.path()}, host), PluginError);
        CHECK(discover({dir.path()}, host).empty());
    } else {
        // Only root is at risk; a plain user may load what it can write anyway.
        CHECK(load_firewall("writable", {dir.path()}, host)->name() == "fixture-good");
    }
}
