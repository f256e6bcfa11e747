// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/parse_options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/usage_error.hpp"
#include "support/temp_files.hpp"
#include "support/parse_helpers.hpp"

using namespace sshuttle::cli;
using Args = std::vector<std::string>;

using sshuttle::test::error_of;
using sshuttle::test::texts;

namespace {

Options parse(const Args& args, const char* env = nullptr) {
    return parse_options(args, env);
}

}  // namespace

TEST_CASE("options: upstream defaults") {
    const Options o = parse({"192.0.2.0/24"});
    CHECK(o.mode == Mode::kClient);
    CHECK(texts(o.subnets) == Args{"192.0.2.0/24"});
    CHECK(o.excludes.empty());
    CHECK_FALSE(o.remote.has_value());
    CHECK(o.method == "auto");
    CHECK(o.listen.empty());
    CHECK_FALSE(o.listen_given);
    CHECK(o.latency_control);
    CHECK(o.latency_buffer_size == 32768);
    CHECK(o.wrap == 65535);
    CHECK(o.verbose == 0);
    CHECK(o.pidfile == "sshuttle.pid");
    CHECK(o.tmark == "0x01");
    CHECK_FALSE(o.user.has_value());
    CHECK_FALSE(o.dns);
}

TEST_CASE("options: short and long forms of every value option") {
    const Options o = parse({"-r",
                             "me@example.org:2222",
                             "-x",
                             "192.0.2.1",
                             "--exclude=198.51.100.0/24",
                             "-l",
                             "127.0.0.1:12300,[::1]:12300",
                             "-e",
                             "ssh -p 2222",
                             "--method",
                             "nft",
                             "--python=python3.11",
                             "--ns-hosts",
                             "192.0.2.53, 192.0.2.54",
                             "--ns-hosts=2001:db8::53",
                             "--to-ns",
                             "192.0.2.53@5353",
                             "--seed-hosts",
                             "a,b c",
                             "--latency-buffer-size",
                             "65536",
                             "--wrap",
                             "100",
                             "--pidfile",
                             "/run/s.pid",
                             "--user",
                             "alice",
                             "--group",
                             "staff",
                             "-t",
                             "1F",
                             "--sudoers-user",
                             "%wheel",
                             "--namespace",
                             "vpn.blue",
                             "--remote-shell",
                             "cmd",
                             "--server-cmd",
                             "/usr/bin/sshuttle --server",
                             "--plugin-dir",
                             "/a",
                             "--plugin-dir",
                             "/b",
                             "10.1.2.3/32:443"});
    REQUIRE(o.remote.has_value());
    CHECK(o.remote->user == "me");
    CHECK(o.remote->port == 2222);
    CHECK(texts(o.excludes) == Args{"192.0.2.1/32", "198.51.100.0/24"});
    CHECK(o.excludes.front().exclude);
    REQUIRE(o.listen.size() == 2);
    CHECK(o.listen[0].to_string() == "127.0.0.1:12300");
    CHECK(o.listen[1].to_string() == "[::1]:12300");
    CHECK(o.listen_given);
    CHECK(o.ssh_cmd == "ssh -p 2222");
    CHECK(o.method == "nft");
    CHECK(o.python == "python3.11");
    REQUIRE(o.ns_hosts.size() == 3);
    CHECK(o.ns_hosts[2].to_string() == "2001:db8::53");
    REQUIRE(o.to_ns.has_value());
    CHECK(o.to_ns->to_string() == "192.0.2.53:5353");
    CHECK(o.seed_hosts == Args{"a", "b", "c"});
    CHECK(o.latency_buffer_size == 65536);
    CHECK(o.wrap == 100);
    CHECK(o.pidfile == "/run/s.pid");
    CHECK(o.user == "alice");
    CHECK(o.group == "staff");
    CHECK(o.tmark == "0x1f");
    CHECK(o.sudoers_user == "%wheel");
    CHECK(o.namespace_name == "vpn.blue");
    CHECK(o.remote_shell == "cmd");
    CHECK(o.server_cmd == "/usr/bin/sshuttle --server");
    CHECK(o.plugin_dirs == Args{"/a", "/b"});
    CHECK(texts(o.subnets) == Args{"10.1.2.3/32:443"});
}

TEST_CASE("options: flags, -v count, and the last value winning") {
    const Options o = parse({"-vvv", "-H", "-N", "--dns", "--no-latency-control", "--disable-ipv6", "-D",
                             "--no-cmd-delimiter", "--no-sudo-pythonpath", "--dry-run", "--method", "nat",
                             "--method", "tproxy", "-t", "0X0A", "--namespace-pid", "42"});
    CHECK(o.verbose == 3);
    CHECK(o.auto_hosts);
    CHECK(o.auto_nets);
    CHECK(o.dns);
    CHECK_FALSE(o.latency_control);
    CHECK(o.disable_ipv6);
    CHECK(o.daemon);
    CHECK(o.syslog);  // -D implies --syslog
    CHECK(o.no_cmd_delimiter);
    CHECK(o.no_sudo_pythonpath);
    CHECK(o.dry_run);
    CHECK(o.method == "tproxy");
    CHECK(o.tmark == "0x0a");
    CHECK(o.namespace_pid == 42);
    CHECK(parse({"-v", "--verbose", "-N"}).verbose == 2);
}

TEST_CASE("options: -l keeps the last IPv4 and the last IPv6 address") {
    Options o = parse({"-l", "127.0.0.1:1,[::1]:2,127.0.0.2:3", "-N"});
    REQUIRE(o.listen.size() == 2);
    CHECK(o.listen[0].to_string() == "127.0.0.2:3");
    CHECK(o.listen[1].to_string() == "[::1]:2");
    o = parse({"-l", "12300", "-N"});
    REQUIRE(o.listen.size() == 1);  // IPv6 off: a family left out of -l is not used
    CHECK(o.listen[0].to_string() == "0.0.0.0:12300");
    o = parse({"-l", "[::1]:5", "-l", "127.0.0.1:6", "-N"});
    CHECK(o.listen.size() == 2);
}

TEST_CASE("options: parse warnings are returned, not printed") {
    const Options o = parse({"10/8", "-x", "172.16/12"});
    CHECK(texts(o.subnets) == Args{"0.0.0.10/8"});
    CHECK(o.warnings == Args{
                            "subnet '10/8' means 0.0.0.10/8 (inet_aton rules); write 10.0.0.0/8 if that is what you "
                            "meant",
                            "subnet '172.16/12' means 172.0.0.16/12 (inet_aton rules); write 172.16.0.0/12 if that is "
                            "what you meant",
                        });
    CHECK(parse({"10.0.0.0/8"}).warnings.empty());
}

TEST_CASE("options: -r '' and -r - mean no remote") {
    CHECK_FALSE(parse({"-r", "", "-N"}).remote.has_value());
    CHECK_FALSE(parse({"-r", "-", "-N"}).remote.has_value());
    CHECK(parse({"-r", "host", "-N"}).remote->host == "host");
}

TEST_CASE("options: subnet files from -s and -X") {
    sshuttle::test::TempFiles files;
    const std::string includes = files.write("in", "# routed\n192.0.2.0/24\n\n198.51.100.0/24:80\n");
    const std::string excludes = files.write("out", "192.0.2.7\n");
    const Options o = parse({"-s", includes, "-X", excludes, "203.0.113.0/24"});
    CHECK(texts(o.subnets) == Args{"203.0.113.0/24", "192.0.2.0/24", "198.51.100.0/24:80"});
    CHECK(texts(o.excludes) == Args{"192.0.2.7/32"});
    CHECK(o.excludes.front().exclude);
    CHECK_FALSE(o.subnets.back().exclude);
}

TEST_CASE("options: modes") {
    CHECK(parse({"--firewall"}).mode == Mode::kFirewall);
    CHECK(parse({"--server"}).mode == Mode::kServer);
    CHECK(parse({"--hostwatch"}).mode == Mode::kHostwatch);
    CHECK(parse({"--list-plugins"}).mode == Mode::kListPlugins);
    CHECK(parse({"-V"}).mode == Mode::kVersion);
    CHECK(parse({"--version", "--firewall", "192.0.2.0/24"}).mode == Mode::kVersion);
    CHECK(parse({"--sudoers-no-modify", "--sudoers-user", "bob"}).mode == Mode::kSudoersNoModify);
    CHECK(parse({"--dry-run"}).dry_run);
    CHECK(parse({"-h"}).show_help);
}

TEST_CASE("options: argparse-style unique prefixes of long options") {
    const Options o = parse({"--seed", "a", "--auto-n", "--meth=nft"});
    CHECK(o.seed_hosts == Args{"a"});
    CHECK(o.auto_nets);
    CHECK(o.method == "nft");
    CHECK(error_of({"--excl", "192.0.2.1", "-N"}) ==
          "ambiguous option: --excl could match --exclude, --exclude-from");
    CHECK(error_of({"--no", "-N"}) ==
          "ambiguous option: --no could match --no-cmd-delimiter, --no-latency-control, --no-reconnect, "
          "--no-ssh-forwarding, --no-sudo-pythonpath");
}

TEST_CASE("options: errors are one line naming the bad value") {
    CHECK(error_of({}) == "at least one subnet, subnet file, or -N expected");
    CHECK(error_of({"-r", "host"}) == "at least one subnet, subnet file, or -N expected");
    CHECK(error_of({"--firewall", "192.0.2.0/24"}) == "--firewall takes no subnets");
    CHECK(error_of({"10.0.0.0/33"}) == "invalid subnet '10.0.0.0/33': prefix 33 > 32");
    CHECK(error_of({"-N", "-x", "1.2.3.4:90-80"}) ==
          "invalid subnet '1.2.3.4:90-80': port range 90-80 is inverted");
    CHECK(error_of({"-N", "-l", "127.0.0.1:70000"}) == "invalid address '127.0.0.1:70000': port 70000 > 65535");
    CHECK(error_of({"-N", "--ns-hosts", "dns.example"}) ==
          "invalid --ns-hosts address 'dns.example': not an IP address");
    CHECK(error_of({"-N", "-t", "0xzz"}) == "invalid --tmark '0xzz': not a hexadecimal value");
    CHECK(error_of({"-N", "--wrap", "ten"}) == "invalid value 'ten' for --wrap: not an integer");
    CHECK(error_of({"-N", "--latency-buffer-size", "0"}) ==
          "invalid value '0' for --latency-buffer-size: below 1");
    CHECK(error_of({"-N", "--namespace", "1bad"}) == "invalid --namespace '1bad': not a namespace name");
    CHECK(error_of({"-N", "--namespace", "ns", "--namespace-pid", "1"}) ==
          "--namespace and --namespace-pid cannot be used together");
    CHECK(error_of({"-N", "--method", "NAT!"}) == "invalid --method 'NAT!': not a method name");
    CHECK(error_of({"-N", "--bogus"}) == "unrecognized option '--bogus'");
    CHECK(error_of({"-N", "-r"}) == "--remote: 1 required TEXT missing");
    CHECK(error_of({"-N", "--dns=yes"}).find("dns") != std::string::npos);
    CHECK(error_of({"-N", "--profile", "x"}) == "--profile 'x' needs --config");
}

TEST_CASE("SSHUTTLE_ARGS: read before the command line; the command line wins") {
    Options o = parse({"192.0.2.0/24"}, "-v --method nft -x 198.51.100.1");
    CHECK(o.verbose == 1);
    CHECK(o.method == "nft");
    CHECK(texts(o.excludes) == Args{"198.51.100.1/32"});
    o = parse({"--method", "nat", "-x", "203.0.113.1", "192.0.2.0/24"}, "--method nft -x 198.51.100.1");
    CHECK(o.method == "nat");
    CHECK(texts(o.excludes) == Args{"203.0.113.1/32"});  // a list on a higher level replaces the lower one
    o = parse({}, "-N -e 'ssh -o ServerAliveInterval=60'");
    CHECK(o.auto_nets);
    CHECK(o.ssh_cmd == "ssh -o ServerAliveInterval=60");
    CHECK(error_of({"-N"}, "--wrap x") == "SSHUTTLE_ARGS: invalid value 'x' for --wrap: not an integer");
    CHECK(error_of({"-N"}, "--nope") == "SSHUTTLE_ARGS: unrecognized option '--nope'");
}

TEST_CASE("@file: expanded in place on the command line and in SSHUTTLE_ARGS") {
    sshuttle::test::TempFiles files;
    const std::string conf = files.write("sshuttle.conf",
                                         "# office\n--remote\nme@example.org\n-x\n'192.0.2.9'\n"
                                         "192.0.2.0/24\n--method\nnft\n");
    Options o = parse({"@" + conf, "--method", "nat"});
    CHECK(o.remote->user == "me");
    CHECK(texts(o.excludes) == Args{"192.0.2.9/32"});
    CHECK(texts(o.subnets) == Args{"192.0.2.0/24"});
    CHECK(o.method == "nat");  // placed after the @file, so it wins (argparse order)
    o = parse({"--method", "nat", "@" + conf});
    CHECK(o.method == "nft");
    o = parse({"-v"}, ("@" + conf).c_str());
    CHECK(o.method == "nft");
    CHECK(o.verbose == 1);
}

TEST_CASE("options: the internal --server arguments the client passes") {
    const Options o = parse({"--server", "-v", "--no-latency-control", "--latency-buffer-size", "65536", "--to-ns",
                             "192.0.2.53@53", "--auto-nets", "--mark", "4097"});
    CHECK(o.mode == Mode::kServer);
    CHECK(o.server_mark == 4097);
    CHECK(o.to_ns->to_string() == "192.0.2.53:53");
    CHECK(parse({"--server", "--mark", "0x1001"}).server_mark == 4097);
    CHECK(parse({"--server", "--mark", "010"}).server_mark == 10);
    CHECK(parse({"--server"}).server_mark == 0);
    CHECK(error_of({"--server", "--mark", "4294967296"}) == "invalid --mark '4294967296': not a 32-bit number");
    CHECK(error_of({"--server", "--mark", "-1"}) == "invalid --mark '-1': not a 32-bit number");
    const Options fw = parse({"--firewall", "--method", "nft", "-v", "--plugin-dir", "/p", "--syslog"});
    CHECK(fw.mode == Mode::kFirewall);
    CHECK(fw.syslog);
}

TEST_CASE("options: 50 KB values are refused with a one-line error, not a stack overflow in the pattern matcher") {
    const std::string huge(50000, 'a');
    for (const char* option : {"--method", "--namespace", "--tmark", "--transport", "--mark", "--latency-buffer-size"}) {
        const std::string error = error_of({option, huge, "0/0"});
        CHECK_MESSAGE(error.find("invalid") != std::string::npos, option);
        CHECK(error.find('\n') == std::string::npos);
    }
    CHECK(error_of({std::string(50000, '1') + "/8"}).find("bytes long, at most 512") != std::string::npos);
    CHECK(parse({"--ns-hosts", "192.0.2.1," + std::string(50000, ' ') + ",192.0.2.2", "0/0"}).ns_hosts.size() == 2);
}

TEST_CASE("options: reconnection is on by default; --no-reconnect and --reconnect-max-wait, also from YAML") {
    const Options defaults = parse({"-N"});
    CHECK(defaults.reconnect);
    CHECK(defaults.reconnect_max_wait == 60);
    const Options o = parse({"--no-reconnect", "--reconnect-max-wait", "15", "-N"});
    CHECK_FALSE(o.reconnect);
    CHECK(o.reconnect_max_wait == 15);
    CHECK(error_of({"--reconnect-max-wait", "0", "-N"}) == "invalid value '0' for --reconnect-max-wait: below 1");
    CHECK(error_of({"--reconnect-max-wait", "soon", "-N"}) ==
          "invalid value 'soon' for --reconnect-max-wait: not an integer");

    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", "no_reconnect: true\nreconnect_max_wait: 5\nauto_nets: true\n");
    const Options from_yaml = parse({"--config", path});
    CHECK_FALSE(from_yaml.reconnect);
    CHECK(from_yaml.reconnect_max_wait == 5);
}

TEST_CASE("options: an unknown long option gets the nearest name as a suggestion") {
    CHECK(error_of({"-N", "--dsn"}) == "unrecognized option '--dsn'; did you mean --dns?");
    CHECK(error_of({"-N", "--mehtod", "nat"}) == "unrecognized option '--mehtod'; did you mean --method?");
    CHECK(error_of({"-N", "--exlcude=192.0.2.1"}) == "unrecognized option '--exlcude'; did you mean --exclude?");
    CHECK(error_of({"-N", "--zzzzzzzz"}) == "unrecognized option '--zzzzzzzz'");
    CHECK(error_of({"-N"}, "--dsn") == "SSHUTTLE_ARGS: unrecognized option '--dsn'; did you mean --dns?");
}

TEST_CASE("options: --opt= gives the option an empty value, as argparse does") {
    const Options o = parse({"--ssh-cmd=", "-N", "--remote=", "192.0.2.0/24"});
    CHECK(o.ssh_cmd.empty());
    CHECK_FALSE(o.remote.has_value());
    CHECK(texts(o.subnets) == Args{"192.0.2.0/24"});
    // Not swallowing the next argument: it stays a subnet.
    const Options p = parse({"--ssh-cmd=", "198.51.100.0/24"});
    CHECK(p.ssh_cmd.empty());
    CHECK(texts(p.subnets) == Args{"198.51.100.0/24"});
    CHECK(parse({"--python=", "-N"}).python.empty());
}

TEST_CASE("options: --max-channels defaults to 8, is bounded, and comes from YAML too") {
    CHECK(parse({"-N"}).max_channels == 8);
    CHECK(parse({"--max-channels", "1", "-N"}).max_channels == 1);
    CHECK(error_of({"--max-channels", "0", "-N"}) == "invalid value '0' for --max-channels: below 1");
    CHECK(error_of({"--max-channels", "65", "-N"}) == "invalid value '65' for --max-channels: above 64");
    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", "max-channels: 3\nauto_nets: true\n");
    CHECK(parse({"--config", path}).max_channels == 3);
}

TEST_CASE("options: a firewall method's own flag is kept by its YAML key for the method's plugin") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(parse({"-N"}).method_options.empty());
    CHECK(parse({"--tproxy-setup-routes", "-N"}).method_options == Pairs{{"tproxy-setup-routes", "1"}});
    // Given twice, or in SSHUTTLE_ARGS and on the command line: still one option.
    CHECK(parse({"--tproxy-setup-routes", "--tproxy-setup-routes", "-N"}).method_options.size() == 1);
    sshuttle::test::TempFiles files;
    const std::string path = files.write("sshuttle.yaml", "tproxy-setup-routes: true\nauto_nets: true\n");
    CHECK(parse({"--config", path}).method_options == Pairs{{"tproxy-setup-routes", "1"}});
    const std::string off = files.write("off.yaml", "tproxy-setup-routes: false\nauto_nets: true\n");
    CHECK(parse({"--config", off}).method_options.empty());
}
