// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/yaml_config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/parse_options.hpp"
#include "cli/usage_error.hpp"
#include "support/temp_files.hpp"
#include "support/parse_helpers.hpp"

using namespace sshuttle::cli;
using Args = std::vector<std::string>;

using sshuttle::test::error_of;
using sshuttle::test::texts;

namespace {

const char* const kConfig =
    "# deployment config\n"
    "remote: me@example.org:2222\n"
    "subnets: [192.0.2.0/24, 198.51.100.0/24]\n"
    "exclude:\n"
    "  - 192.0.2.7\n"
    "verbose: 2\n"
    "dns: true\n"
    "auto_hosts: false\n"
    "method: nft\n"
    "listen: 127.0.0.1:12300\n"
    "profiles:\n"
    "  office:\n"
    "    method: nat\n"
    "    exclude: [203.0.113.5]\n"
    "    no-latency-control: yes\n";

}  // namespace

TEST_CASE("config: YAML keys become the command line's tokens") {
    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", kConfig);
    const ConfigTokens tokens = load_config_tokens(path, "");
    CHECK(tokens.tokens == Args{"--listen", "127.0.0.1:12300", "--dns", "--method", "nft", "--remote",
                                "me@example.org:2222", "--exclude", "192.0.2.7", "--verbose", "--verbose", "--",
                                "192.0.2.0/24", "198.51.100.0/24"});
}

TEST_CASE("config: --config resolves every key; --profile overrides top-level keys") {
    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", kConfig);
    Options o = parse_options({"--config", path}, nullptr);
    CHECK(o.config_file == path);
    CHECK(o.remote->port == 2222);
    CHECK(texts(o.subnets) == Args{"192.0.2.0/24", "198.51.100.0/24"});
    CHECK(texts(o.excludes) == Args{"192.0.2.7/32"});
    CHECK(o.verbose == 2);
    CHECK(o.dns);
    CHECK_FALSE(o.auto_hosts);
    CHECK(o.method == "nft");
    CHECK(o.latency_control);
    REQUIRE(o.listen.size() == 1);

    o = parse_options({"--config=" + path, "--profile", "office"}, nullptr);
    CHECK(o.profile == "office");
    CHECK(o.method == "nat");
    CHECK(texts(o.excludes) == Args{"203.0.113.5/32"});
    CHECK_FALSE(o.latency_control);
    CHECK(o.dns);  // not in the profile: the top level stays
}

TEST_CASE("config: precedence file < SSHUTTLE_ARGS < command line") {
    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", kConfig);
    Options o = parse_options({"--config", path}, "--method tproxy -x 198.51.100.9");
    CHECK(o.method == "tproxy");
    CHECK(texts(o.excludes) == Args{"198.51.100.9/32"});
    CHECK(texts(o.subnets) == Args{"192.0.2.0/24", "198.51.100.0/24"});  // from the file: nobody replaced them
    o = parse_options({"--config", path, "--method", "pf", "-vvv", "203.0.113.0/24"}, "--method tproxy");
    CHECK(o.method == "pf");
    CHECK(o.verbose == 3);
    CHECK(texts(o.subnets) == Args{"203.0.113.0/24"});
    o = parse_options({"-r", "-"}, ("--config " + path).c_str());  // --config from SSHUTTLE_ARGS
    CHECK_FALSE(o.remote.has_value());
    CHECK(o.method == "nft");
}

TEST_CASE("config: only a regular file of at most 1 MiB is read") {
    sshuttle::test::TempFiles files;
    CHECK(error_of({"--config", "/dev/zero"}) == "config file '/dev/zero': not a regular file");
    const std::string dir = files.path("");
    CHECK(error_of({"--config", dir}) == "config file '" + dir + "': not a regular file");
    const std::string big = files.write("big.yaml", std::string((1 << 20) + 1, '#'));
    CHECK(error_of({"--config", big}) == "config file '" + big + "': larger than 1048576 bytes");
    CHECK(error_of({"--config", files.path("missing.yaml")}) ==
          "cannot read config file '" + files.path("missing.yaml") + "': No such file or directory");
}

TEST_CASE("config: errors name the file, the line and the key") {
    sshuttle::test::TempFiles files;
    const std::string typo = files.write("typo.yaml", "# x\nmethod: nft\n\nremot: host\n");
    CHECK(error_of({"--config", typo}) == typo + ":4: unknown key 'remot'");
    const std::string bad_subnet = files.write("bad.yaml", "subnets:\n  - 192.0.2.0/24\nexclude: [10.0.0.0/33]\n");
    CHECK(error_of({"--config", bad_subnet}) ==
          bad_subnet + ":3: key 'exclude': invalid subnet '10.0.0.0/33': prefix 33 > 32");
    const std::string bad_flag = files.write("flag.yaml", "dns: maybe\n");
    CHECK(error_of({"--config", bad_flag}) == bad_flag + ":1: key 'dns': expected true or false");
    const std::string bad_scalar = files.write("scalar.yaml", "N: 1\nmethod: [nat, nft]\n");
    CHECK(error_of({"--config", bad_scalar}) == bad_scalar + ":1: unknown key 'N'");
    const std::string list_for_value = files.write("list.yaml", "method: [nat, nft]\n");
    CHECK(error_of({"--config", list_for_value}) == list_for_value + ":1: key 'method': expected a single value");
    const std::string count = files.write("count.yaml", "verbose: 12\n");
    CHECK(error_of({"--config", count}) == count + ":1: key 'verbose': expected a count from 0 to 9");
    const std::string count_list = files.write("count_list.yaml", "dns: no\nverbose: [1]\n");
    CHECK(error_of({"--config", count_list}) == count_list + ":2: key 'verbose': expected a count from 0 to 9");
    const std::string internal = files.write("internal.yaml", "auto-nets: true\nfirewall: true\n");
    CHECK(error_of({"--config", internal}) == internal + ":2: unknown key 'firewall'");
    const std::string syntax = files.write("syntax.yaml", "method: nft\nexclude: [a\n");
    CHECK(error_of({"--config", syntax}).rfind(syntax + ":", 0) == 0);
    const std::string not_map = files.write("list.yaml", "- a\n- b\n");
    CHECK(error_of({"--config", not_map}) == not_map + ":1: expected a mapping of option names to values");
    CHECK(error_of({"--config", kConfig + std::string("nope")}).rfind("cannot read config file", 0) == 0);
    const std::string good = files.write("good.yaml", kConfig);
    CHECK(error_of({"--config", good, "--profile", "home"}) == good + ": unknown profile 'home'");
    // found by tests/fuzz/fuzz_yaml_config: a file without `profiles:` made --profile abort the client
    const std::string no_profiles = files.write("no_profiles.yaml", "remote: user@bastion\n");
    CHECK(error_of({"--config", no_profiles, "--profile", "office"}) == no_profiles + ": unknown profile 'office'");
}

TEST_CASE("config: values that look like options stay values; verbose: true is one -v") {
    sshuttle::test::TempFiles files;
    const std::string path = files.write("dash.yaml", "ssh-cmd: '-N'\nremote: '-'\nverbose: true\nauto-nets: on\n");
    const Options o = parse_options({"--config", path}, nullptr);
    CHECK(o.ssh_cmd == "-N");
    CHECK_FALSE(o.remote.has_value());
    CHECK(o.verbose == 1);
    CHECK(o.auto_nets);
}

TEST_CASE("config: the example file parses") {
    const std::string example = SSHUTTLE_TEST_SOURCE_DIR "/../config/sshuttle.example.yaml";
    const Options o = parse_options({"--config", example, "--dry-run"}, nullptr);
    CHECK(o.dry_run);
    CHECK(o.config_file == example);
}

// A profile is a tunnel to somewhere: each example profile names its remote, so copying one gives a working
// start rather than a local-mode tunnel.
TEST_CASE("config: every example profile names its remote") {
    const std::string example = SSHUTTLE_TEST_SOURCE_DIR "/../config/sshuttle.example.yaml";
    const Options office = parse_options({"--config", example, "--profile", "office", "--dry-run"}, nullptr);
    REQUIRE(office.remote.has_value());
    CHECK(office.remote->user == "me");
    CHECK(office.remote->host == "office-gw.example.org");
    const Options lab = parse_options({"--config", example, "--profile", "lab", "--dry-run"}, nullptr);
    REQUIRE(lab.remote.has_value());
    CHECK(lab.remote->host == "lab-gw.example.org");
    CHECK(lab.remote->port == 2222);
}
