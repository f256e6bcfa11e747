// SPDX-License-Identifier: LGPL-2.1-or-later
// Calling into firewall plugins: the request conversion, failures with messages, exceptions at the boundary.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "abi_support.hpp"
#include "plugin/method_options.hpp"

using namespace sshuttle::plugin;

namespace {

std::string call_error(const std::function<void()>& call) {
    try {
        call();
    } catch (const PluginError& e) {
        return e.what();
    }
    FAIL("the call did not fail");
    return {};
}

}  // namespace

TEST_CASE("calls: the request reaches the plugin field by field") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    CHECK(plugin->render(abi_test::sample_request()) ==
          "family 4 port 12300 dns 12353\n"
          "exclude 10.1.0.0/16 ports 80-90\n"
          "include 10.0.0.0/8 ports 0-0\n"
          "nameserver 192.0.2.53\n"
          "udp 0 uid 1000 gid -1 tmark 0x01 flavor - bypass 21331\n");

    FirewallRequest v6;
    v6.family = sshuttle::net::Family::kIPv6;
    v6.port = 12301;
    sshuttle::net::IpAddress net6;
    net6.family = sshuttle::net::Family::kIPv6;
    net6.bytes = {0x20, 0x01, 0x0d, 0xb8};
    v6.subnets.push_back({net6, 32, 443, 443, false});
    v6.udp = true;
    v6.gid = 20;
    v6.tmark = "0x02";
    v6.os_flavor = "freebsd";
    CHECK(plugin->render(v6) ==
          "family 6 port 12301 dns 0\n"
          "include 2001:db8::/32 ports 443-443\n"
          "udp 1 uid -1 gid 20 tmark 0x02 flavor freebsd bypass 0\n");
}

TEST_CASE("calls: render output larger than the first buffer arrives whole") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    FirewallRequest req;
    req.port = 1;
    std::string text = plugin->render(req);
    CHECK(text.size() > 40000);
    CHECK(text.substr(text.size() - 2) == "x\n");
}

TEST_CASE("calls: setup and restore run their commands through the host (dry run records them)") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    FirewallRequest req = abi_test::sample_request();
    plugin->setup(req);
    plugin->restore(req);
    REQUIRE(host.recorded().size() == 2);
    CHECK(host.recorded()[0] == "fixture-tool --setup 12300\n" + plugin->render(req));
    CHECK(host.recorded()[1] == "fixture-tool --restore 12300");
}

TEST_CASE("calls: a failing command becomes a PluginError with the plugin's message") {
    HostServices host(false);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    CHECK(call_error([&] { plugin->setup(abi_test::sample_request()); }) ==
          "plugin " ABI_FIXTURE_GOOD ": setup failed: command not found: 'fixture-tool'");
}

TEST_CASE("calls: exceptions thrown inside a plugin end at its boundary as clean errors") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_THROWING, host);
    FirewallRequest req = abi_test::sample_request();
    CHECK(call_error([&] { plugin->setup(req); }) ==
          "plugin " ABI_FIXTURE_THROWING ": setup failed: boom in setup");
    CHECK(call_error([&] { plugin->restore(req); }) ==
          "plugin " ABI_FIXTURE_THROWING ": restore failed: restore refused: table busy");
    CHECK(call_error([&] { plugin->render(req); }) ==
          "plugin " ABI_FIXTURE_THROWING ": render failed: unknown exception in plugin");
    CHECK(call_error([&] { plugin->prepare_listener(0, SSHUTTLE_AF_INET, false); }) ==
          "plugin " ABI_FIXTURE_THROWING ": prepare_listener failed: iptables said:; line one; line two");
    std::string reason;
    CHECK_FALSE(plugin->is_supported(reason));
    CHECK(reason == "probe exploded");
}

TEST_CASE("calls: prepare_listener failure names the plugin file") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    plugin->prepare_listener(0, SSHUTTLE_AF_INET, false);
    CHECK(call_error([&] { plugin->prepare_listener(-1, SSHUTTLE_AF_INET, false); }) ==
          "plugin " ABI_FIXTURE_GOOD ": prepare_listener failed: fixture: bad listener fd -1");
}

TEST_CASE("calls: original_dst of an accepted loopback connection") {
    HostServices host(true);
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener, 1) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    int accepted = accept(listener, nullptr, nullptr);
    REQUIRE(accepted >= 0);

    std::string reason;
    auto dst = plugin->original_dst(accepted, reason);
    REQUIRE(dst.has_value());
    const auto* got = reinterpret_cast<const sockaddr_in*>(&*dst);
    CHECK(got->sin_family == AF_INET);
    CHECK(got->sin_port == addr.sin_port);
    CHECK(got->sin_addr.s_addr == htonl(INADDR_LOOPBACK));

    CHECK_FALSE(plugin->original_dst(-1, reason).has_value());
    CHECK(reason == "no original destination");
    for (int fd : {accepted, client, listener}) close(fd);
}

TEST_CASE("calls: create() options reach the plugin; preflight gets every request, its line is the error as it is") {
    HostServices host(true);
    FirewallRequest v6 = abi_test::sample_request();
    v6.family = sshuttle::net::Family::kIPv6;
    const FirewallRequest v4 = abi_test::sample_request();
    auto willing = load_firewall_file(ABI_FIXTURE_GOOD, host);
    REQUIRE(willing->has_preflight());
    willing->preflight({v6, v4});
    auto refusing = load_firewall_file(ABI_FIXTURE_GOOD, host, {{"refuse", "the machine lacks X; run: fix X"}});
    // No "plugin <file>: preflight failed:" in front: the plugin's line says what to fix, for the user.
    CHECK(call_error([&] { refusing->preflight({v6, v4}); }) == "the machine lacks X; run: fix X: 6 4");
}

TEST_CASE("calls: a method's own flags go to that method only, without its name in front") {
    const PluginOptions given{{"tproxy-setup-routes", "1"}, {"nft-backend", "command"}, {"tproxy", "1"}};
    CHECK(options_for_method(given, "tproxy") == PluginOptions{{"setup-routes", "1"}});
    CHECK(options_for_method(given, "nft") == PluginOptions{{"backend", "command"}});
    CHECK(options_for_method(given, "nat").empty());
    CHECK(options_for_method(given, "auto").empty());
    CHECK(options_ignored_by(given, "tproxy") == std::vector<std::string>{"nft-backend", "tproxy"});
    CHECK(options_ignored_by(given, "nat").size() == 3);
}
