// SPDX-License-Identifier: LGPL-2.1-or-later
// describe_options() for --dry-run: YAML-like, one key per Options field, so a user sees what the layers of
// config file, SSHUTTLE_ARGS and command line resolved to.
#include <algorithm>
#include <sstream>

#include "cli/help.hpp"
#include "cli/option_table.hpp"
#include "net/rule_order.hpp"

namespace sshuttle::cli {
namespace {

const char* mode_name(Mode mode) {
    switch (mode) {
        case Mode::kClient:
            return "client";
        case Mode::kServer:
            return "server";
        case Mode::kFirewall:
            return "firewall";
        case Mode::kHostwatch:
            return "hostwatch";
        case Mode::kSudoersNoModify:
            return "sudoers-no-modify";
        case Mode::kListPlugins:
            return "list-plugins";
        case Mode::kVersion:
            return "version";
    }
    return "?";
}

// YAML single quotes: a quote inside is doubled.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

const char* yes_no(bool value) {
    return value ? "true" : "false";
}

template <typename Items, typename ToText>
void write_list(std::ostringstream& out, const char* key, const Items& items, ToText to_text) {
    out << key << ":";
    if (items.empty()) out << " []";
    out << "\n";
    for (const auto& item : items) out << "  - " << to_text(item) << "\n";
}

void write_rules(std::ostringstream& out, const Options& o) {
    std::vector<net::Subnet> subnets = o.subnets;
    std::vector<net::Subnet> excludes = o.excludes;
    net::sort_rules(subnets);
    net::sort_rules(excludes);
    const auto text = [](const net::Subnet& s) { return s.to_string(); };
    write_list(out, "subnets", subnets, text);
    write_list(out, "excludes", excludes, text);
    std::vector<net::Subnet> rules = subnets;
    rules.insert(rules.end(), excludes.begin(), excludes.end());
    net::sort_rules(rules);
    write_list(out, "rule-order", rules, [](const net::Subnet& s) {
        return std::string(s.exclude ? "exclude " : "include ") + s.to_string();
    });
}

}  // namespace

std::string describe_options(const Options& o) {
    std::ostringstream out;
    out << "mode: " << mode_name(o.mode) << "\n";
    out << "remote: " << (o.remote ? quoted(o.remote->to_string()) : "none  # local mode") << "\n";
    out << "method: " << o.method << "\n";
    write_rules(out, o);
    out << "auto-nets: " << yes_no(o.auto_nets) << "\n";
    out << "auto-hosts: " << yes_no(o.auto_hosts) << "\n";
    write_list(out, "seed-hosts", o.seed_hosts, quoted);
    if (o.listen_given) {
        write_list(out, "listen", o.listen, [](const net::Endpoint& e) { return e.to_string(); });
    } else {
        out << "listen: auto  # 127.0.0.1 and ::1, port searched from 12300 down\n";
    }
    out << "disable-ipv6: " << yes_no(o.disable_ipv6) << "\n";
    out << "dns: " << yes_no(o.dns) << "\n";
    write_list(out, "ns-hosts", o.ns_hosts, [](const net::IpAddress& a) { return a.to_string(); });
    out << "to-ns: " << (o.to_ns ? o.to_ns->to_string() : "none") << "\n";
    out << "ssh-cmd: " << quoted(o.ssh_cmd) << "\n";
    out << "no-cmd-delimiter: " << yes_no(o.no_cmd_delimiter) << "\n";
    out << "python: " << quoted(o.python) << "\n";
    out << "remote-shell: " << quoted(o.remote_shell) << "\n";
    out << "server-cmd: " << quoted(o.server_cmd) << "\n";
    out << "transport: " << quoted(o.transport) << "\n";
    // A password given as a transport option is not echoed.
    write_list(out, "transport-option", o.transport_options, [](const std::pair<std::string, std::string>& kv) {
        return quoted(kv.first + "=" + (kv.first == "password" ? std::string("***") : kv.second));
    });
    out << "latency-control: " << yes_no(o.latency_control) << "\n";
    out << "latency-buffer-size: " << o.latency_buffer_size << "\n";
    out << "wrap: " << o.wrap << "\n";
    out << "reconnect: " << yes_no(o.reconnect) << "\n";
    out << "reconnect-max-wait: " << o.reconnect_max_wait << "\n";
    out << "max-channels: " << o.max_channels << "\n";
    out << "ssh-forwarding: " << yes_no(o.ssh_forwarding) << "\n";
    out << "verbose: " << o.verbose << "\n";
    out << "daemon: " << yes_no(o.daemon) << "\n";
    out << "syslog: " << yes_no(o.syslog) << "\n";
    out << "pidfile: " << quoted(o.pidfile) << "\n";
    out << "user: " << (o.user ? quoted(*o.user) : "none") << "\n";
    out << "group: " << (o.group ? quoted(*o.group) : "none") << "\n";
    out << "tmark: " << o.tmark << "\n";
    // The firewall methods' own flags, each by its YAML key.
    for (const OptionSpec& spec : option_table()) {
        if (!spec.method_flag) continue;
        const bool given = std::any_of(o.method_options.begin(), o.method_options.end(),
                                       [&spec](const auto& kv) { return kv.first == spec.yaml_key; });
        out << spec.yaml_key << ": " << yes_no(given) << "\n";
    }
    out << "sudoers-user: " << quoted(o.sudoers_user) << "\n";
    out << "no-sudo-pythonpath: " << yes_no(o.no_sudo_pythonpath) << "\n";
    out << "namespace: " << quoted(o.namespace_name) << "\n";
    out << "namespace-pid: " << o.namespace_pid << "\n";
    write_list(out, "plugin-dir", o.plugin_dirs, quoted);
    out << "config: " << quoted(o.config_file) << "\n";
    out << "profile: " << quoted(o.profile) << "\n";
    out << "dry-run: " << yes_no(o.dry_run) << "\n";
    out << "mark: " << o.server_mark << "  # internal (--server)\n";
    return out.str();
}

}  // namespace sshuttle::cli
