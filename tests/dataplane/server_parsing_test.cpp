// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's pure parts: helper arguments, `ip route` output, resolv.conf.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/helper_args.hpp"
#include "server/local_routes.hpp"
#include "server/nameservers.hpp"

using namespace sshuttle;
using namespace sshuttle::server;

TEST_CASE("helper args: every option") {
    std::string error;
    auto args = parse_helper_args({"--server", "-vv", "-v", "--no-latency-control", "--latency-buffer-size",
                                   "65536", "--to-ns", "192.0.2.53@5353", "--auto-nets", "--mark", "0x2a"},
                                  error);
    REQUIRE(args);
    CHECK(args->server);
    CHECK(args->options.verbosity == 3);
    CHECK_FALSE(args->options.latency_control);
    CHECK(args->options.latency_buffer_size == 65536);
    REQUIRE(args->options.to_ns);
    CHECK(args->options.to_ns->port == 5353);
    CHECK(args->options.to_ns->address.bytes[0] == 192);
    CHECK(args->options.auto_nets);
    CHECK(args->options.mark == 42);
}

TEST_CASE("helper args: errors name the bad value") {
    std::string error;
    CHECK_FALSE(parse_helper_args({}, error));
    CHECK(error == "missing --server (this helper only runs the sshuttle server)");
    CHECK_FALSE(parse_helper_args({"--server", "--to-ns", "dns.example"}, error));
    CHECK(error == "invalid --to-ns 'dns.example': expected a numeric ip[@port]");
    CHECK_FALSE(parse_helper_args({"--server", "--latency-buffer-size", "0"}, error));
    CHECK(error == "invalid --latency-buffer-size '0': expected a positive number");
    CHECK_FALSE(parse_helper_args({"--server", "--mark"}, error));
    CHECK(error == "option '--mark' needs a value");
    CHECK_FALSE(parse_helper_args({"--server", "--frobnicate"}, error));
    CHECK(error == "unknown argument '--frobnicate'");
    auto v6 = parse_to_ns("2001:db8::53");
    REQUIRE(v6);
    CHECK(v6->address.family == net::Family::kIPv6);
    CHECK(v6->port == 0);
}

TEST_CASE("auto-nets: ip route output keeps real networks only") {
    const std::string v4 =
        "default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.10 metric 100\n"
        "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10\n"
        "198.51.100.7 via 192.0.2.1 dev eth0\n"
        "127.0.0.0/8 dev lo\n"
        "0.0.0.0/0 via 192.0.2.1 dev eth1\n"
        "unreachable 203.0.113.0/24\n"
        "broadcast 192.0.2.255 dev eth0\n";
    const auto routes = parse_ip_route_output(v4);
    REQUIRE(routes.size() == 2);
    CHECK(mux::format_routes(routes) == "2,192.0.2.0,24\n2,198.51.100.7,32\n");
    const std::string v6 =
        "::1 dev lo proto kernel metric 256 pref medium\n"
        "2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium\n"
        "fe80::/64 dev eth0 proto kernel metric 256 pref medium\n"
        "default via fe80::1 dev eth0 metric 1024 pref medium\n";
    CHECK(mux::format_routes(parse_ip_route_output(v6)) == "10,2001:db8:1::,64\n");
}

TEST_CASE("nameservers: resolv.conf entries at port 53, zone ids dropped, --to-ns wins") {
    std::string path = (std::filesystem::temp_directory_path() / "sst-resolv-XXXXXX").string();
    const int fd = mkstemp(path.data());
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << "# comment\nsearch example.org\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n"
                           "nameserver bogus\n";
    const auto servers = dns_servers(std::nullopt, path);
    std::filesystem::remove(path);
    REQUIRE(servers.size() == 2);
    CHECK(servers[0].address().to_string() == "192.0.2.53");
    CHECK(servers[0].port() == 53);
    CHECK(servers[1].address().to_string() == "fe80::1");
    net::Endpoint to_ns = *parse_to_ns("198.51.100.53");
    const auto chosen = dns_servers(to_ns, "/nonexistent");
    REQUIRE(chosen.size() == 1);
    CHECK(chosen[0].port() == 53);
    CHECK(dns_servers(std::nullopt, "/nonexistent")[0].address().to_string() == "127.0.0.1");
}
