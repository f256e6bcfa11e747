// SPDX-License-Identifier: LGPL-2.1-or-later
// Which addresses to keep out of the tunnel so ssh reaches its server: numeric hosts, names, and what the real
// `ssh -G` makes of a config file (HostName, ProxyJump, ProxyCommand). ssh -G only reads configs; it connects to
// nothing.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include "scratch.hpp"
#include "transport/ssh_addresses.hpp"
#include "transport/ssh_config.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;

namespace {

net::IpAddress ip(const char* text) {
    net::IpAddress address;
    if (inet_pton(AF_INET, text, address.bytes.data()) == 1) return address;
    address.family = net::Family::kIPv6;
    REQUIRE(inet_pton(AF_INET6, text, address.bytes.data()) == 1);
    return address;
}

LaunchConfig remote(const std::string& host, const std::string& ssh_cmd = "") {
    LaunchConfig options;
    options.remote = RemoteHost{"user", "", host, 0};
    options.ssh_cmd = ssh_cmd;
    return options;
}

using Addresses = std::vector<net::IpAddress>;

}  // namespace

TEST_CASE("ssh -G output: HostName, first ProxyJump hop, ProxyCommand") {
    SshTarget plain = parse_ssh_g("user u\nhostname 192.0.2.9\nport 22\n");
    CHECK(plain.hostname == "192.0.2.9");
    CHECK(plain.proxy_jump.empty());
    CHECK_FALSE(plain.proxy_command);
    SshTarget jump = parse_ssh_g("hostname inner\nproxyjump j@198.51.100.4:2222,second\n");
    CHECK(jump.proxy_jump == "198.51.100.4");
    CHECK(parse_ssh_g("proxycommand nc %h %p\n").proxy_command);
    CHECK_FALSE(parse_ssh_g("proxycommand none\nproxyjump none\n").proxy_command);
    CHECK(parse_ssh_g("proxyjump none\n").proxy_jump.empty());
}

TEST_CASE("ssh -G output: connection sharing, its socket, and a master that asks") {
    SshTarget none = parse_ssh_g("controlmaster false\ncontrolpath none\n");
    CHECK_FALSE(none.shares_connection);
    CHECK(none.control_path.empty());
    SshTarget shared = parse_ssh_g("controlmaster auto\ncontrolpath /home/u/.ssh/cm-u@h:22\n");
    CHECK(shared.shares_connection);
    CHECK(shared.control_path == "/home/u/.ssh/cm-u@h:22");
    CHECK_FALSE(shared.master_asks);
    CHECK(parse_ssh_g("controlmaster autoask\ncontrolpath /s\n").master_asks);
    CHECK(parse_ssh_g("controlmaster ask\ncontrolpath /s\n").master_asks);
}

TEST_CASE("ssh -G output: the first jump hop's host in each form (common/proxy_jump.hpp)") {
    const auto first_hop = [](const std::string& value) { return parse_ssh_g("proxyjump " + value + "\n").proxy_jump; };
    CHECK(first_hop("host") == "host");
    CHECK(first_hop("user@host:22") == "host");
    CHECK(first_hop("ssh://user@host:22") == "host");
    CHECK(first_hop("[2001:db8::7]:22") == "2001:db8::7");
    CHECK(first_hop("u@2001:db8::7") == "2001:db8::7");
    CHECK(first_hop("u@:22").empty());  // malformed: ssh refuses it before connecting anywhere
}

TEST_CASE("ssh server addresses: numeric hosts need no lookup") {
    CHECK(ssh_server_addresses(remote("192.0.2.1")) == Addresses{ip("192.0.2.1")});
    CHECK(ssh_server_addresses(remote("2001:db8::1")) == Addresses{ip("2001:db8::1")});
    CHECK(ssh_server_addresses(LaunchConfig{}).empty());  // local mode
}

TEST_CASE("ssh server addresses: a name is resolved") {
    Addresses addresses = ssh_server_addresses(remote("localhost"));
    CHECK(std::find(addresses.begin(), addresses.end(), ip("127.0.0.1")) != addresses.end());
}

TEST_CASE("ssh server addresses: ssh -G through -e follows the config") {
    test::ScratchDir dir;
    std::string config = dir.write("ssh_config",
                                   "Host alias\n  HostName 198.51.100.7\n"
                                   "Host jumped\n  HostName 192.0.2.200\n  ProxyJump hop@203.0.113.5:2200\n"
                                   "Host 192.0.2.50\n  ProxyCommand nc %h %p\n");
    const std::string ssh = "ssh -F '" + config + "'";
    CHECK(ssh_server_addresses(remote("alias", ssh)) == Addresses{ip("198.51.100.7")});
    CHECK(ssh_server_addresses(remote("jumped", ssh)) == Addresses{ip("203.0.113.5")});
    CHECK(ssh_server_addresses(remote("192.0.2.50", ssh)) == Addresses{ip("192.0.2.50")});
}
