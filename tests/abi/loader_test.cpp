// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading modules that keep or break the ABI rules: each broken one gives a one-line error naming the file.
#include <doctest/doctest.h>

#include <fstream>

#include "abi_support.hpp"
#include "plugin/module.hpp"

using namespace sshuttle::plugin;

namespace {

// Loads a firewall fixture expecting a failure; returns what().
std::string load_error(const std::filesystem::path& file) {
    HostServices host(true);
    try {
        load_firewall_file(file, host);
    } catch (const PluginError& e) {
        return e.what();
    }
    FAIL("loading " << file << " did not fail");
    return {};
}

}  // namespace

TEST_CASE("abi: a good firewall fixture loads and reports its table") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    CHECK(plugin->name() == "fixture-good");
    CHECK(plugin->description() == "ABI test fixture");
    CHECK(plugin->priority() == 50);
    CHECK(plugin->has(SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_DNS));
    CHECK_FALSE(plugin->has(SSHUTTLE_FEAT_UDP));
    CHECK(plugin->has_prepare_listener());
    CHECK(plugin->file() == std::filesystem::path(ABI_FIXTURE_GOOD));
    std::string reason;
    CHECK(plugin->is_supported(reason));
    CHECK(reason == "fixture probe says yes");
}

TEST_CASE("abi: wrong major is refused before the table is touched") {
    CHECK(load_error(ABI_FIXTURE_WRONG_MAJOR) ==
          "plugin " ABI_FIXTURE_WRONG_MAJOR ": built for ABI 2.0, this sshuttle speaks 1.4");
}

TEST_CASE("abi: a newer minor is refused with both versions") {
    CHECK(load_error(ABI_FIXTURE_NEWER_MINOR) == "plugin " ABI_FIXTURE_NEWER_MINOR
                                                 ": built for ABI 1.5, newer than this sshuttle's 1.4 "
                                                 "(upgrade sshuttle)");
}

TEST_CASE("abi: version rules for other host versions") {
    constexpr uint32_t v1_3 = (1u << 16) | 3u;
    CHECK(abi_incompatibility((1u << 16) | 1u, v1_3).empty());
    CHECK(abi_incompatibility(v1_3, v1_3).empty());
    CHECK(abi_incompatibility((1u << 16) | 4u, v1_3) ==
          "built for ABI 1.4, newer than this sshuttle's 1.3 (upgrade sshuttle)");
    CHECK(abi_incompatibility(0u, v1_3) == "built for ABI 0.0, this sshuttle speaks 1.3");
}

TEST_CASE("abi: an older minor's shorter table loads; members past struct_size read as NULL") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_OLDER_MINOR, host);
    CHECK(plugin->name() == "older-minor");
    CHECK_FALSE(plugin->has_prepare_listener());
    plugin->prepare_listener(0, SSHUTTLE_AF_INET, false);  // absent: a no-op, not a call through garbage
    std::string reason;
    CHECK_FALSE(plugin->original_dst(0, reason).has_value());
    CHECK(reason == "method older-minor cannot look up original destinations");
    CHECK(plugin->render(abi_test::sample_request()) == "raw");
}

TEST_CASE("abi: a 1.0 plugin loads into a 1.1 host; its UDP members past struct_size are never called") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_MINOR_ZERO, host);
    CHECK(plugin->name() == "minor-zero");
    CHECK(plugin->has(SSHUTTLE_FEAT_UDP));
    CHECK_FALSE(plugin->has_udp());
    uint8_t buffer[16];
    CHECK_THROWS_WITH_AS(plugin->recv_udp(0, buffer), doctest::Contains("recv_udp: the method cannot receive UDP"),
                         PluginError);
    sockaddr_storage from{};
    CHECK_THROWS_AS(plugin->open_udp_reply(from, nullptr), PluginError);
    // Nor 1.2's update: the manager falls back to restore + setup for it.
    CHECK_FALSE(plugin->has_update());
    CHECK_THROWS_WITH_AS(plugin->update(abi_test::sample_request()),
                         doctest::Contains("update: the method cannot replace its rules in one step"), PluginError);
    // Nor 1.2's nat_lookup, although the fixture declares SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER.
    CHECK(plugin->has(SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER));
    CHECK_FALSE(plugin->has_nat_lookup());
    std::string reason;
    CHECK_THROWS_WITH_AS(plugin->nat_lookup(6, {}, {}, reason),
                         doctest::Contains("nat_lookup: the method cannot look up NAT states"), PluginError);
    // Nor 1.3's preflight: the manager goes straight to setup.
    CHECK_FALSE(plugin->has_preflight());
    plugin->preflight({abi_test::sample_request()});
}

TEST_CASE("abi: copy_table ignores members appended by a newer layout") {
    struct Small {
        uint32_t struct_size;
        int a;
    };
    struct Bigger {
        uint32_t struct_size;
        int a;
        int appended;
    };
    Bigger newer{sizeof(Bigger), 7, 99};
    Small copy = copy_table(reinterpret_cast<const Small*>(&newer));
    CHECK(copy.a == 7);
    CHECK(copy.struct_size == sizeof(Bigger));
}

TEST_CASE("abi: missing version symbol means not an sshuttle plugin") {
    CHECK(load_error(ABI_FIXTURE_MISSING_ABI) == "plugin " ABI_FIXTURE_MISSING_ABI
                                                 ": not an sshuttle plugin (no sshuttle_plugin_abi_version symbol)");
}

TEST_CASE("abi: a module without any table") {
    CHECK(load_error(ABI_FIXTURE_MISSING_TABLE) ==
          "plugin " ABI_FIXTURE_MISSING_TABLE
          ": exports neither sshuttle_get_firewall_v1 nor sshuttle_get_transport_v1");
}

TEST_CASE("abi: a transport module is not a firewall") {
    CHECK(load_error(ABI_FIXTURE_TRANSPORT) ==
          "plugin " ABI_FIXTURE_TRANSPORT ": not a firewall plugin (no sshuttle_get_firewall_v1)");
}

TEST_CASE("abi: a table too short for its required members") {
    std::string expected = "plugin " ABI_FIXTURE_TOO_SHORT ": firewall table too short: struct_size " +
                           std::to_string(offsetof(sshuttle_firewall_v1, render)) + ", need at least " +
                           std::to_string(offsetof(sshuttle_firewall_v1, render) + sizeof(void*));
    CHECK(load_error(ABI_FIXTURE_TOO_SHORT) == expected);
}

TEST_CASE("abi: a NULL required function is named") {
    CHECK(load_error(ABI_FIXTURE_NULL_FUNCTION) ==
          "plugin " ABI_FIXTURE_NULL_FUNCTION ": firewall table: required function 'setup' is NULL");
}

TEST_CASE("abi: a text file named like a plugin") {
    abi_test::TempDir dir;
    std::filesystem::path bogus = dir.path() / "sshuttle-bogus.so";
    std::ofstream(bogus) << "this is not an ELF file\n";
    std::string error = load_error(bogus);
    CHECK(error.rfind("plugin " + bogus.string() + ": cannot load: ", 0) == 0);
    CHECK(error.find('\n') == std::string::npos);
    MESSAGE(error);
}

TEST_CASE("abi: a file that does not exist") {
    CHECK(load_error("/nonexistent/sshuttle-x.so") == "plugin /nonexistent/sshuttle-x.so: no such file");
}
