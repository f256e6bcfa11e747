// SPDX-License-Identifier: LGPL-2.1-or-later
// --method auto over directories that hold only fixtures, --list-plugins discovery and its table text.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "abi_support.hpp"

using namespace sshuttle::plugin;
namespace fs = std::filesystem;

namespace {

const char* const kYes = " (fixture probe says yes)";
const char* const kNo = " (fixture probe says no)";

void add_bogus(const abi_test::TempDir& dir) {
    std::ofstream(dir.path() / "sshuttle-bogus.so") << "not a shared object\n";
}

}  // namespace

TEST_CASE("auto: built-in order wins over priority; tproxy is never chosen") {
    abi_test::TempDir dir;
    dir.add_module(ABI_FIXTURE_NAT_NO, "nat");
    dir.add_module(ABI_FIXTURE_NFT_YES, "nft");
    dir.add_module(ABI_FIXTURE_TPROXY_YES, "tproxy");
    dir.add_module(ABI_FIXTURE_THIRD_A_YES, "third-a");
    HostServices host(true);
    std::vector<std::string> why;
    auto chosen = select_auto({dir.path()}, host, why);
    CHECK(chosen->name() == "nft");
    CHECK(why == std::vector<std::string>{"tproxy: skipped (used only with --method tproxy)",
                                          std::string("nat: no") + kNo, std::string("nft: yes") + kYes});
}

TEST_CASE("auto: third-party methods by priority after the built-ins; broken modules are reported") {
    abi_test::TempDir dir;
    dir.add_module(ABI_FIXTURE_NAT_NO, "nat");
    dir.add_module(ABI_FIXTURE_THIRD_A_YES, "third-a");
    dir.add_module(ABI_FIXTURE_THIRD_B_NO, "third-b");
    dir.add_module(ABI_FIXTURE_TPROXY_YES, "tproxy");
    dir.add_module(ABI_FIXTURE_TRANSPORT, "loopback");
    add_bogus(dir);
    HostServices host(true);
    std::vector<std::string> why;
    auto chosen = select_auto({dir.path()}, host, why);
    CHECK(chosen->name() == "third-a");
    REQUIRE(why.size() == 5);
    CHECK(why[0].rfind("bogus: cannot load: ", 0) == 0);
    CHECK(why[1] == "tproxy: skipped (used only with --method tproxy)");
    CHECK(why[2] == std::string("nat: no") + kNo);
    CHECK(why[3] == std::string("third-b: no") + kNo);  // priority 60 before third-a's 70
    CHECK(why[4] == std::string("third-a: yes") + kYes);
}

TEST_CASE("auto: under a dry-run host probes still really run; the chosen plugin records") {
    abi_test::TempDir dir;
    dir.add_module(ABI_FIXTURE_NAT_RUNS_FALSE, "nat");
    dir.add_module(ABI_FIXTURE_THIRD_A_YES, "third-a");
    HostServices host(true);
    std::vector<std::string> why;
    auto chosen = select_auto({dir.path()}, host, why);
    CHECK(chosen->name() == "third-a");
    CHECK(why == std::vector<std::string>{"nat: no ('false' failed)", std::string("third-a: yes") + kYes});
    CHECK(host.recorded().empty());  // the probe's command was run, not recorded
    chosen->restore(abi_test::sample_request());
    CHECK(host.recorded() == std::vector<std::string>{"fixture-tool --restore 12300"});

    std::vector<PluginInfo> found = discover({dir.path()}, host);
    REQUIRE(found.size() == 2);
    CHECK_FALSE(found[0].usable);
    CHECK(found[0].reason == "'false' failed");
}

TEST_CASE("auto: nothing usable is one error listing every candidate") {
    abi_test::TempDir dir;
    dir.add_module(ABI_FIXTURE_NAT_NO, "nat");
    dir.add_module(ABI_FIXTURE_THIRD_B_NO, "third-b");
    dir.add_module(ABI_FIXTURE_TPROXY_YES, "tproxy");
    HostServices host(true);
    std::vector<std::string> why;
    CHECK_THROWS_WITH_AS(select_auto({dir.path()}, host, why),
                         "no usable firewall method for --method auto: "
                         "tproxy: skipped (used only with --method tproxy); "
                         "nat: no (fixture probe says no); third-b: no (fixture probe says no)",
                         PluginError);
}

TEST_CASE("auto: no plugins at all") {
    abi_test::TempDir dir;
    HostServices host(true);
    std::vector<std::string> why;
    CHECK_THROWS_WITH_AS(select_auto({dir.path()}, host, why),
                         ("firewall plugin for --method auto not found (searched: " +
                          dir.path().string() + ")").c_str(),
                         PluginError);
}

TEST_CASE("discover: every module described; broken ones listed with the reason") {
    abi_test::TempDir dir;
    fs::path good = dir.add_module(ABI_FIXTURE_GOOD, "good");
    dir.add_module(ABI_FIXTURE_NAT_NO, "nat");
    dir.add_module(ABI_FIXTURE_TRANSPORT, "loopback");
    dir.add_module(ABI_FIXTURE_WRONG_MAJOR, "wrong-major");
    add_bogus(dir);
    HostServices host(true);
    std::vector<PluginInfo> found = discover({dir.path()}, host);
    REQUIRE(found.size() == 5);

    CHECK(found[0].name == "bogus");
    CHECK(found[0].kind == "?");
    CHECK_FALSE(found[0].usable);
    CHECK(found[0].reason.rfind("cannot load: ", 0) == 0);

    CHECK(found[1].name == "fixture-good");
    CHECK(found[1].kind == "firewall");
    CHECK(found[1].abi_version == "1.4");
    CHECK(found[1].feature_names == "ipv4,ipv6,tcp,dns");
    CHECK(found[1].priority == 50);
    CHECK(found[1].file == good);
    CHECK(found[1].usable);
    CHECK(found[1].reason == "fixture probe says yes");

    CHECK(found[2].name == "loopback");
    CHECK(found[2].kind == "transport");
    CHECK(found[2].usable);
    CHECK(found[2].reason == "mode=default");

    CHECK(found[3].name == "nat");
    CHECK_FALSE(found[3].usable);
    CHECK(found[3].reason == "fixture probe says no");

    CHECK(found[4].name == "wrong-major");
    CHECK_FALSE(found[4].usable);
    CHECK(found[4].reason == "built for ABI 2.0, this sshuttle speaks 1.4");

    std::string table = format_plugin_table(found);
    CHECK(std::count(table.begin(), table.end(), '\n') == 6);
    MESSAGE("\n" << table);
}

TEST_CASE("table: columns, features and reasons") {
    PluginInfo nat;
    nat.name = "nat";
    nat.kind = "firewall";
    nat.abi_version = "1.0";
    nat.features = SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_TCP | SSHUTTLE_FEAT_DNS;
    nat.file = "/p/sshuttle-nat.so";
    nat.usable = true;
    nat.reason = "iptables found";
    PluginInfo bogus;
    bogus.name = "bogus";
    bogus.kind = "?";
    bogus.file = "/p/sshuttle-bogus.so";
    bogus.reason = "cannot load: invalid ELF header";
    CHECK(format_plugin_table({nat, bogus}) ==
          "NAME   KIND      ABI  USABLE  FEATURES      FILE                  REASON\n"
          "nat    firewall  1.0  yes     ipv4,tcp,dns  /p/sshuttle-nat.so    iptables found\n"
          "bogus  ?         -    no      -             /p/sshuttle-bogus.so  cannot load: invalid ELF header\n");
    CHECK(format_plugin_table({}) == "no plugins found\n");
}

TEST_CASE("table: feature names") {
    CHECK(feature_names(0) == "-");
    CHECK(feature_names(SSHUTTLE_FEAT_UDP | SSHUTTLE_FEAT_TRANSPARENT_LISTENER) == "udp,transparent-listener");
    CHECK(feature_names(SSHUTTLE_FEAT_USER | SSHUTTLE_FEAT_GROUP | SSHUTTLE_FEAT_PORT_RANGES |
                        SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER) == "user,group,port-ranges,nat-lookup-by-manager");
}
