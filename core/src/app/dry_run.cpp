// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/dry_run.hpp"

#include <unistd.h>

#include <ostream>
#include <sstream>

#include "app/area_configs.hpp"
#include "app/listeners.hpp"
#include "app/method_features.hpp"
#include "app/nameservers.hpp"
#include "app/owner_ids.hpp"
#include "app/rule_plan.hpp"
#include "cli/help.hpp"
#include "fwmgr/request_plan.hpp"
#include "plugin/method_options.hpp"
#include "plugin/plugins.hpp"
#include "transport/ssh_addresses.hpp"

namespace sshuttle::app {
namespace {

// What the real run would most likely pick; the real port is searched for at start-up.
constexpr uint16_t kShownTcpPort = 12300;
constexpr uint16_t kShownDnsPort = 12299;

std::unique_ptr<plugin::FirewallPlugin> choose_method(const cli::Options& options, const plugin::HostServices& host,
                                                      std::ostream& out) {
    auto dirs = plugin::search_dirs(options.plugin_dirs);
    if (options.method != "auto")
        return plugin::load_firewall(options.method, dirs, host,
                                     plugin::options_for_method(options.method_options, options.method));
    std::vector<std::string> why;
    auto method = plugin::select_auto(dirs, host, why);
    out << "# --method auto:\n";
    for (const auto& line : why) out << "#   " << line << "\n";
    return method;
}

}  // namespace

int run_dry_run(const cli::Options& options, std::ostream& out) {
    plugin::HostServices host(/*dry_run=*/true);
    std::ostringstream method_notes;
    auto method = choose_method(options, host, method_notes);  // first: a bad --method fails before any output
    require_method_features(options, method->name(), method->features());  // as the real run would refuse
    out << "# sshuttle --dry-run: nothing is changed on this machine\n";
    out << cli::describe_options(options) << method_notes.str();
    const bool ipv6 = !options.disable_ipv6 && method->has(SSHUTTLE_FEAT_IPV6);

    std::vector<net::Endpoint> listen = options.listen_given ? options.listen : default_listen_addresses(ipv6);
    fwmgr::InstallOrder order;
    bool port_searched = false;  // some listen port is 0: the real run searches for one
    for (auto& ep : listen) {
        if (ep.port == 0) {
            ep.port = kShownTcpPort;
            port_searched = true;
        }
        if (ep.address.family == net::Family::kIPv6 && !ipv6) continue;
        (ep.address.family == net::Family::kIPv4 ? order.ports.tcp_v4 : order.ports.tcp_v6) = ep.port;
    }
    // The same discovery as the real run (this machine's resolv.conf files for --dns).
    order.nameservers = captured_nameservers(options);
    // The DNS listeners are bound on the TCP listen addresses, so a family without one has no DNS port either.
    if (!order.nameservers.empty()) {
        if (order.ports.tcp_v4 != 0) order.ports.dns_v4 = kShownDnsPort;
        if (order.ports.tcp_v6 != 0) order.ports.dns_v6 = kShownDnsPort;
    }
    order.routes = build_rules(options, listen, transport::ssh_server_addresses(launch_config_from(options)), {}, ipv6);
    // As the client session: UDP is captured when the method can both capture it and answer from the original
    // address (tproxy).
    order.go.udp = method->has(SSHUTTLE_FEAT_TRANSPARENT_LISTENER) && method->has(SSHUTTLE_FEAT_UDP) &&
                   method->has_udp();
    order.go.uid = resolve_uid(options.user);  // the owner match of --user/--group, as the real run sends it
    order.go.gid = resolve_gid(options.group);
    order.go.tmark = options.tmark;
    order.go.client_pid = getpid();
    order.go.bypass_mark = local_bypass_mark(options);

    auto requests = fwmgr::plan_requests(order);
    out << "\n# method: " << method->name() << " (" << method->file().string() << ")\n";
    std::string problem = fwmgr::unsupported_reason(requests, method->name(), method->features());
    if (!problem.empty()) out << "# warning: " << problem << "\n";
    if (port_searched)
        out << "# the listen port is searched for at start-up (12300 down to 9001); 12300 is shown\n";
    for (const auto& request : requests) {
        out << "\n# " << fwmgr::family_name(request.family) << " rules:\n";
        std::string text = method->render(request);
        out << text << (text.ends_with('\n') ? "" : "\n");
    }
    return 0;
}

}  // namespace sshuttle::app
