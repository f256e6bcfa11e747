// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/option_table.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

#include "cli/remote.hpp"
#include "cli/usage_error.hpp"
#include "net/ipport_parse.hpp"
#include "net/subnet_parse.hpp"

namespace sshuttle::cli {
namespace {

using Values = std::vector<std::string>;
using Warnings = std::vector<std::string>;

// std::regex recurses once per character: an overlong value would overflow the stack before failing to match.
// Every value checked with a pattern here is a short name or number, so longer text simply does not match.
constexpr std::size_t kMaxPatternText = 512;

bool matches(const std::string& text, const std::regex& pattern) {
    return text.size() <= kMaxPatternText && std::regex_match(text, pattern);
}

constexpr int kMaxChannels = 64;

int parse_int(const std::string& text, const char* option, int minimum) {
    static const std::regex kInteger(R"(^\s*[+-]?\d{1,9}\s*$)");
    if (!matches(text, kInteger)) {
        throw UsageError(std::string("invalid value '") + text + "' for " + option + ": not an integer");
    }
    const int value = std::stoi(text);
    if (value < minimum) {
        throw UsageError(std::string("invalid value '") + text + "' for " + option + ": below " +
                         std::to_string(minimum));
    }
    return value;
}

// --ns-hosts and --seed-hosts: upstream's parse_list, re.split(r'[\s,]+', text.strip()).
Values split_list(const Values& values) {
    static constexpr const char* kSeparators = " \t\n\r\f\v,";
    Values items;
    for (const std::string& value : values) {
        for (auto start = value.find_first_not_of(kSeparators); start != std::string::npos;) {
            const auto end = value.find_first_of(kSeparators, start);
            items.push_back(value.substr(start, end == std::string::npos ? std::string::npos : end - start));
            start = value.find_first_not_of(kSeparators, end);
        }
    }
    return items;
}

// --transport: a plugin name is a file name part (sshuttle-<name>.so), so keep it to safe characters.
void apply_transport(Options& o, const Values& v, std::size_t) {
    static const std::regex kName(R"(^[A-Za-z0-9][A-Za-z0-9_.-]*$)");
    if (!v.back().empty() && !matches(v.back(), kName))  // empty: the default choice
        throw UsageError("invalid transport '" + v.back() + "': expected a name such as ssh, command or exec");
    o.transport = v.back();
}

// --transport-option KEY=VALUE, kept in order (a plugin may accept a key more than once).
void apply_transport_options(Options& o, const Values& v, std::size_t) {
    o.transport_options.clear();
    for (const std::string& item : v) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("invalid transport option '" + item + "': expected KEY=VALUE");
        o.transport_options.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
}

void add_subnets(std::vector<net::Subnet>& to, const Values& values, bool exclude, Warnings* warnings) {
    for (const std::string& value : values) {
        for (net::Subnet subnet : net::parse_subnetport(value, warnings)) {
            subnet.exclude = exclude;
            to.push_back(subnet);
        }
    }
}

void add_subnet_files(std::vector<net::Subnet>& to, const Values& paths, bool exclude, Warnings* warnings) {
    for (const std::string& path : paths) {
        const auto subnets = net::read_subnet_file(path, exclude, warnings);
        to.insert(to.end(), subnets.begin(), subnets.end());
    }
}

// -l: comma lists, possibly repeated; the last IPv4 and the last IPv6 endpoint win (upstream cmdline.py).
void apply_listen(Options& o, const Values& values, std::size_t) {
    std::optional<net::Endpoint> v4;
    std::optional<net::Endpoint> v6;
    for (const std::string& value : values) {
        std::size_t start = 0;
        while (start <= value.size()) {
            const auto comma = std::min(value.find(',', start), value.size());
            const net::Endpoint endpoint = net::parse_ipport(value.substr(start, comma - start), &o.warnings);
            (endpoint.address.family == net::Family::kIPv4 ? v4 : v6) = endpoint;
            start = comma + 1;
        }
    }
    o.listen.clear();
    if (v4) o.listen.push_back(*v4);
    if (v6) o.listen.push_back(*v6);
    o.listen_given = true;
}

void apply_ns_hosts(Options& o, const Values& values, std::size_t) {
    for (const std::string& item : split_list(values)) {
        net::IpAddress address;
        if (!net::IpAddress::parse(item, address)) {
            throw UsageError("invalid --ns-hosts address '" + item + "': not an IP address");
        }
        o.ns_hosts.push_back(address);
    }
}

void apply_remote(Options& o, const Values& values, std::size_t) {
    // `-r ''` and `-r -` mean "no remote" (upstream), which is local mode here.
    if (values.back().empty() || values.back() == "-") {
        o.remote.reset();
    } else {
        o.remote = parse_remote(values.back());
    }
}

// Upstream: int(value, 16) must work; lowercase; add 0x when missing.
void apply_tmark(Options& o, const Values& values, std::size_t) {
    static const std::regex kHex(R"(^(0[xX])?[0-9a-fA-F]{1,8}$)");
    std::string mark = values.back();
    if (!matches(mark, kHex)) throw UsageError("invalid --tmark '" + mark + "': not a hexadecimal value");
    for (char& c : mark) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    o.tmark = mark.rfind("0x", 0) == 0 ? mark : "0x" + mark;
}

void apply_namespace(Options& o, const Values& values, std::size_t) {
    static const std::regex kName(R"(^@?[a-z_A-Z]\w+(\.@?[a-z_A-Z]\w+)*$)");
    if (!matches(values.back(), kName)) {
        throw UsageError("invalid --namespace '" + values.back() + "': not a namespace name");
    }
    o.namespace_name = values.back();
}

void apply_method(Options& o, const Values& values, std::size_t) {
    static const std::regex kMethodName(R"(^[a-z0-9][a-z0-9_\-]*$)");
    if (!matches(values.back(), kMethodName)) {
        throw UsageError("invalid --method '" + values.back() + "': not a method name");
    }
    o.method = values.back();
}

// --mark: decimal or 0x-hex, 32 bits (a Linux fwmark).
void apply_mark(Options& o, const Values& values, std::size_t) {
    static const std::regex kMark(R"(^(0[xX][0-9a-fA-F]{1,8}|\d{1,10})$)");
    const std::string& text = values.back();
    const bool is_hex = text.size() > 2 && (text[1] == 'x' || text[1] == 'X');
    const unsigned long long mark =
        matches(text, kMark) ? std::stoull(is_hex ? text.substr(2) : text, nullptr, is_hex ? 16 : 10) : ~0ULL;
    if (mark > 0xffffffffULL) throw UsageError("invalid --mark '" + text + "': not a 32-bit number");
    o.server_mark = static_cast<uint32_t>(mark);
}

// The process roles are exclusive; when several are given the strongest wins (-V over everything).
void raise_mode(Options& o, Mode mode) {
    if (static_cast<int>(mode) > static_cast<int>(o.mode)) o.mode = mode;
}

constexpr auto F = ValueKind::kFlag;
constexpr auto V = ValueKind::kValue;
constexpr auto L = ValueKind::kList;
constexpr bool kMethodFlag = true;  // OptionSpec::method_flag

}  // namespace

const std::vector<OptionSpec>& option_table() {
    // clang-format off
    static const std::vector<OptionSpec> table = {
        {"subnets", "subnets", ValueKind::kPositional, "SUBNET", "IP/MASK[:PORT[-PORT]] to route over the VPN",
         [](Options& o, const Values& v, std::size_t) { add_subnets(o.subnets, v, false, &o.warnings); }},
        {"-l,--listen", "listen", L, "[IP:]PORT", "transparent proxy address(es), comma separated",
         apply_listen},
        {"-H,--auto-hosts", "auto-hosts", F, nullptr, "scan for remote hostnames and update /etc/hosts",
         [](Options& o, const Values&, std::size_t) { o.auto_hosts = true; }},
        {"-N,--auto-nets", "auto-nets", F, nullptr, "route the server's own subnets as well",
         [](Options& o, const Values&, std::size_t) { o.auto_nets = true; }},
        {"--dns", "dns", F, nullptr, "capture local DNS requests and forward them to the remote",
         [](Options& o, const Values&, std::size_t) { o.dns = true; }},
        {"--ns-hosts", "ns-hosts", L, "IP[,IP]", "capture and forward DNS requests sent to these servers",
         apply_ns_hosts},
        {"--to-ns", "to-ns", V, "IP[:PORT]", "the DNS server to forward requests to on the remote",
         [](Options& o, const Values& v, std::size_t) { o.to_ns = net::parse_to_ns(v.back(), &o.warnings); }},
        {"--method", "method", V, "TYPE", "auto, nat, nft, tproxy, pf, ipfw or a plugin's name", apply_method},
        {"--python", "python", V, "PATH", "path to python on the remote server",
         [](Options& o, const Values& v, std::size_t) { o.python = v.back(); }},
        {"-r,--remote", "remote", V, "[USER[:PASS]@]ADDR[:PORT]", "ssh hostname (and optional username, port)",
         apply_remote},
        {"-x,--exclude", "exclude", L, "SUBNET", "exclude this subnet (can be used more than once)",
         [](Options& o, const Values& v, std::size_t) { add_subnets(o.excludes, v, true, &o.warnings); }},
        {"-X,--exclude-from", "exclude-from", L, "PATH", "exclude the subnets in a file (one per line)",
         [](Options& o, const Values& v, std::size_t) { add_subnet_files(o.excludes, v, true, &o.warnings); }},
        {"-v,--verbose", "verbose", ValueKind::kCount, nullptr, "increase debug message verbosity",
         [](Options& o, const Values&, std::size_t n) { o.verbose = static_cast<int>(n); }},
        {"-V,--version", nullptr, F, nullptr, "print the sshuttle version number and exit",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kVersion); }},
        {"-e,--ssh-cmd", "ssh-cmd", V, "CMD", "connect with this ssh command line instead of the built-in transport",
         [](Options& o, const Values& v, std::size_t) { o.ssh_cmd = v.back(); }},
        {"--no-cmd-delimiter", "no-cmd-delimiter", F, nullptr, "do not add '--' between ssh arguments and command",
         [](Options& o, const Values&, std::size_t) { o.no_cmd_delimiter = true; }},
        {"--remote-shell", "remote-shell", V, "PROGRAM", "the remote shell (posix, cmd or powershell)",
         [](Options& o, const Values& v, std::size_t) { o.remote_shell = v.back(); }},
        {"--seed-hosts", "seed-hosts", L, "HOST[,HOST]", "hostnames to scan first (with -H)",
         [](Options& o, const Values& v, std::size_t) { o.seed_hosts = split_list(v); }},
        {"--no-latency-control", "no-latency-control", F, nullptr, "sacrifice latency to improve bandwidth",
         [](Options& o, const Values&, std::size_t) { o.latency_control = false; }},
        {"--latency-buffer-size", "latency-buffer-size", V, "SIZE", "size of the latency control buffer [32768]",
         [](Options& o, const Values& v, std::size_t) {
             o.latency_buffer_size = parse_int(v.back(), "--latency-buffer-size", 1); }},
        {"--wrap", "wrap", V, "NUM", "restart channel numbering after this number (testing) [65535]",
         [](Options& o, const Values& v, std::size_t) { o.wrap = parse_int(v.back(), "--wrap", 1); }},
        {"--disable-ipv6", "disable-ipv6", F, nullptr, "disable IPv6 support",
         [](Options& o, const Values&, std::size_t) { o.disable_ipv6 = true; }},
        {"-D,--daemon", "daemon", F, nullptr, "run in the background as a daemon (implies --syslog)",
         [](Options& o, const Values&, std::size_t) { o.daemon = true; o.syslog = true; }},
        {"--no-reconnect", "no-reconnect", F, nullptr,
         "exit when the server connection is lost, instead of reconnecting with the rules kept in place",
         [](Options& o, const Values&, std::size_t) { o.reconnect = false; }},
        {"--reconnect-max-wait", "reconnect-max-wait", V, "SECONDS",
         "the longest wait between two reconnect attempts [60]",
         [](Options& o, const Values& v, std::size_t) {
             o.reconnect_max_wait = parse_int(v.back(), "--reconnect-max-wait", 1); }},
        {"--max-channels", "max-channels", V, "N",
         "spread TCP connections over up to N SSH channels of the one SSH connection, on a path of 2 ms or more "
         "(1 = one channel) [8]",
         [](Options& o, const Values& v, std::size_t) {
             o.max_channels = parse_int(v.back(), "--max-channels", 1);
             // Each channel is a server process; sshd allows 10 sessions per connection by default anyway.
             if (o.max_channels > kMaxChannels)
                 throw UsageError("invalid value '" + v.back() + "' for --max-channels: above " +
                                  std::to_string(kMaxChannels));
         }},
        {"--no-ssh-forwarding", "no-ssh-forwarding", F, nullptr,
         "carry every TCP connection through the sshuttle server, never as a forward of ssh's own",
         [](Options& o, const Values&, std::size_t) { o.ssh_forwarding = false; }},
        {"-s,--subnets", "subnets-file", L, "PATH", "file of subnets to route (one per line)",
         [](Options& o, const Values& v, std::size_t) { add_subnet_files(o.subnets, v, false, &o.warnings); }},
        {"--syslog", "syslog", F, nullptr, "send log messages to syslog",
         [](Options& o, const Values&, std::size_t) { o.syslog = true; }},
        {"--pidfile", "pidfile", V, "PATH", "pidfile name (with --daemon) [./sshuttle.pid]",
         [](Options& o, const Values& v, std::size_t) { o.pidfile = v.back(); }},
        {"--user", "user", V, "USER", "apply all the rules only to this linux user",
         [](Options& o, const Values& v, std::size_t) { o.user = v.back(); }},
        {"--group", "group", V, "GROUP", "apply all the rules only to this linux group",
         [](Options& o, const Values& v, std::size_t) { o.group = v.back(); }},
        {"--firewall", nullptr, F, nullptr, "(internal) run the firewall manager",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kFirewall); }},
        {"--hostwatch", nullptr, F, nullptr, "(internal) run the hostwatch",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kHostwatch); }},
        {"--server", nullptr, F, nullptr, "(internal) run the server on stdin/stdout",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kServer); }},
        {"--mark", nullptr, V, "MARK", "(internal, with --server) firewall mark for outgoing sockets", apply_mark},
        {"--sudoers-no-modify", nullptr, F, nullptr, "print a sudoers snippet for sshuttle and exit",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kSudoersNoModify); }},
        {"--sudoers-user", "sudoers-user", V, "USER", "user or %group for --sudoers-no-modify",
         [](Options& o, const Values& v, std::size_t) { o.sudoers_user = v.back(); }},
        {"--no-sudo-pythonpath", "no-sudo-pythonpath", F, nullptr, "(accepted for compatibility)",
         [](Options& o, const Values&, std::size_t) { o.no_sudo_pythonpath = true; }},
        {"-t,--tmark", "tmark", V, "MARK", "tproxy traffic mark, hexadecimal [0x01]", apply_tmark},
        {"--tproxy-setup-routes", "tproxy-setup-routes", F, nullptr,
         "tproxy: add the policy routing for the mark (ip rule, local route) and remove it on exit", nullptr,
         kMethodFlag},
        {"--namespace", "namespace", V, "NAME", "run inside this network namespace (Linux)", apply_namespace},
        {"--namespace-pid", "namespace-pid", V, "PID", "run inside the network namespace of this process",
         [](Options& o, const Values& v, std::size_t) {
             o.namespace_pid = parse_int(v.back(), "--namespace-pid", 1); }},
        {"--server-cmd", "server-cmd", V, "CMD", "run this installed server on the remote instead of uploading",
         [](Options& o, const Values& v, std::size_t) { o.server_cmd = v.back(); }},
        {"--transport", "transport", V, "NAME",
         "how to reach the remote: ssh (built-in libssh2), command (the ssh program, as -e) or a plugin's name "
         "[ssh when libssh2 can honour the ssh configuration, else command; command with -e]",
         apply_transport},
        {"--transport-option", "transport-option", L, "KEY=VALUE",
         "an option for the transport plugin (can be used more than once)", apply_transport_options},
        {"--plugin-dir", "plugin-dir", L, "DIR", "also look for plugins here (can be used more than once)",
         [](Options& o, const Values& v, std::size_t) { o.plugin_dirs = v; }},
        {"--config", nullptr, V, "FILE", "read options from this YAML file first",
         [](Options& o, const Values& v, std::size_t) { o.config_file = v.back(); }},
        {"--profile", nullptr, V, "NAME", "use this profile of the --config file",
         [](Options& o, const Values& v, std::size_t) { o.profile = v.back(); }},
        {"--dry-run", "dry-run", F, nullptr, "print the resolved options and firewall rules; change nothing",
         [](Options& o, const Values&, std::size_t) { o.dry_run = true; }},
        {"--list-plugins", nullptr, F, nullptr, "list the plugins found and exit",
         [](Options& o, const Values&, std::size_t) { raise_mode(o, Mode::kListPlugins); }},
        {"-h,--help", nullptr, F, nullptr, "show this help message and exit",
         [](Options& o, const Values&, std::size_t) { o.show_help = true; }},
    };
    // clang-format on
    return table;
}

void apply_option(const OptionSpec& spec, Options& options, const Values& values, std::size_t count) {
    if (!spec.method_flag) return spec.apply(options, values, count);
    options.method_options.emplace_back(spec.yaml_key, "1");
}

std::string display_name(const OptionSpec& spec) {
    const std::string names = spec.names;
    const auto comma = names.find(',');
    return comma == std::string::npos ? names : names.substr(comma + 1);
}

}  // namespace sshuttle::cli
