// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's start-up order, as upstream's (reference §1.1): firewall manager first (so a sudo prompt comes
// early), then listeners, then the server; rules go in only once the server's first ROUTES has arrived, so the
// ssh connection itself is never captured. Everything is undone on the way out, whatever the reason.
#include "app/client_session.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "app/dns_listeners.hpp"
#include "app/listeners.hpp"
#include "app/method_features.hpp"
#include "app/nameservers.hpp"
#include "app/policy_routing.hpp"
#include "app/resolver_cache.hpp"
#include "app/rule_plan.hpp"
#include "app/status/status_service.hpp"
#include "app/udp_listeners.hpp"
#include "app/udp_plugin_bridge.hpp"
#include "client/engine.hpp"
#include "fwmgr/firewall_client.hpp"
#include "plugin/plugins.hpp"
#include "transport/byte_stream.hpp"
#include "transport/server_launch.hpp"
#include "util/daemon.hpp"
#include "util/log.hpp"
#include "util/sd_notify.hpp"

namespace sshuttle::app {
namespace {

constexpr int kExitFatal = 99;  // upstream's exit status for Fatal

int64_t resolve_uid(const std::optional<std::string>& user) {
    if (!user) return -1;
    if (const passwd* pw = getpwnam(user->c_str())) return pw->pw_uid;
    throw std::runtime_error("unknown user '" + *user + "'");
}

int64_t resolve_gid(const std::optional<std::string>& group) {
    if (!group) return -1;
    if (const struct group* gr = getgrnam(group->c_str())) return gr->gr_gid;
    throw std::runtime_error("unknown group '" + *group + "'");
}

std::optional<net::Endpoint> endpoint_from(const sockaddr_storage& ss) {
    net::Endpoint ep;
    if (ss.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
        ep.address.family = net::Family::kIPv4;
        std::memcpy(ep.address.bytes.data(), &sin->sin_addr, 4);
        ep.port = ntohs(sin->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        ep.address.family = net::Family::kIPv6;
        std::memcpy(ep.address.bytes.data(), &sin6->sin6_addr, 16);
        ep.port = ntohs(sin6->sin6_port);
    } else {
        return std::nullopt;
    }
    return ep;
}

std::optional<net::Endpoint> socket_endpoint(int fd, bool peer) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if ((peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
              : getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len)) != 0)
        return std::nullopt;
    return endpoint_from(ss);
}

/// QUERY_PF_NAT through the manager. When the kernel has no answer the listener's own address is used, as
/// upstream does (with OpenBSD's divert-to that is the original destination; with rdr it is dropped as a
/// connection to ourselves).
std::optional<net::Endpoint> original_dst_from_manager(fwmgr::FirewallClient& firewall, int fd, std::string& why) {
    auto local = socket_endpoint(fd, false);
    auto peer = socket_endpoint(fd, true);
    if (!local || !peer) {
        why = std::string("getsockname/getpeername: ") + std::strerror(errno);
        return std::nullopt;
    }
    try {
        if (auto original = firewall.query_nat(*peer, *local, why)) return original;
    } catch (const std::exception& e) {  // the manager is gone: this connection cannot be placed
        why = e.what();
        return std::nullopt;
    }
    spdlog::debug("NAT lookup for {} failed ({}); using the local address", peer->to_string(), why);
    return local;
}

}  // namespace

int run_client(const cli::Options& options) {
    signal(SIGPIPE, SIG_IGN);
    const auto nameservers = captured_nameservers(options);
    if (options.dns && nameservers.empty()) spdlog::warn("--dns: no nameserver found in /etc/resolv.conf");
    // As upstream: without captured DNS the server never gets a query, so --to-ns would do nothing.
    if (options.to_ns && !options.dns && options.ns_hosts.empty())
        spdlog::warn("--to-ns is ignored without --dns or --ns-hosts");
    // As upstream: seed names are only looked up by the hostwatch, which only -H starts.
    if (!options.seed_hosts.empty() && !options.auto_hosts)
        throw std::runtime_error("--seed-hosts only works together with -H/--auto-hosts");
    const int64_t uid = resolve_uid(options.user);  // before anything starts: a typo fails at once
    const int64_t gid = resolve_gid(options.group);
    plugin::HostServices host;
    auto plugin_dirs = plugin::search_dirs(options.plugin_dirs);

    // ssh connecting (and the remote shell starting) is the slowest step of the start. As root no sudo prompt
    // can come, so ssh starts first and connects while the manager probes and the listeners are bound.
    transport::LaunchParams launch_params;
    launch_params.bypass_mark = local_bypass_mark(options);
    std::optional<transport::PendingServer> early_server;
    if (options.remote && geteuid() == 0) early_server.emplace(transport::launch_server(options, launch_params));

    // 1. The root part first, so that a sudo password prompt comes before anything else happens.
    fwmgr::FirewallClient firewall;
    firewall.start(options);
    auto method = plugin::load_firewall(firewall.method(), plugin_dirs, host);
    spdlog::debug("firewall method: {}", method->name());
    const bool ipv6 = !options.disable_ipv6 && method->has(SSHUTTLE_FEAT_IPV6);
    // Before anything is captured: a method that cannot do what was asked (--user, --dns, IPv6...) is refused.
    require_method_features(options, method->name(), method->features());
    // pf: only root can read the kernel's NAT table, so the manager looks each connection up (QUERY_PF_NAT).
    const bool nat_by_manager = method->has(SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER);
    // A transparent method's captured datagrams carry foreign addresses: answering them needs its UDP members.
    const bool transparent = method->has(SSHUTTLE_FEAT_TRANSPARENT_LISTENER);
    if (transparent && !nameservers.empty() && !method->has_udp())
        throw std::runtime_error("method '" + method->name() +
                                 "' cannot answer captured DNS (it has no UDP members, ABI 1.1); use --method nat "
                                 "or nft with --dns");
    const bool udp = transparent && method->has(SSHUTTLE_FEAT_UDP) && method->has_udp();
    if (options.tproxy_setup_routes && method->name() != "tproxy")
        spdlog::warn("--tproxy-setup-routes is ignored with method '{}'", method->name());

    // 2. Listeners.
    std::vector<net::Endpoint> wanted = options.listen_given ? options.listen : default_listen_addresses(ipv6);
    if (!ipv6) std::erase_if(wanted, [](const net::Endpoint& e) { return e.address.family == net::Family::kIPv6; });
    auto listeners = bind_tcp_listeners(wanted, [&](int fd, net::Family family) {
        if (method->has_prepare_listener())
            method->prepare_listener(fd, family == net::Family::kIPv4 ? SSHUTTLE_AF_INET : SSHUTTLE_AF_INET6, false);
    });
    std::vector<net::Endpoint> listen_addresses;
    for (const auto& l : listeners) {
        spdlog::debug("listening on {}", l.address.to_string());
        listen_addresses.push_back(l.address);
    }
    auto prepare_udp = [&](int fd, net::Family family) {
        if (method->has_prepare_listener())
            method->prepare_listener(fd, family == net::Family::kIPv4 ? SSHUTTLE_AF_INET : SSHUTTLE_AF_INET6, true);
    };
    std::vector<Listener> udp_listeners;
    if (udp) udp_listeners = bind_udp_listeners(listen_addresses, prepare_udp);

    // tproxy: marked packets must be routed to this machine before any rule marks them.
    std::vector<net::Family> families;
    for (const auto& l : listeners)
        if (std::find(families.begin(), families.end(), l.address.address.family) == families.end())
            families.push_back(l.address.address.family);
    std::optional<OwnPolicyRoutes> own_routes;
    if (method->name() == "tproxy") {
        if (options.tproxy_setup_routes)
            own_routes.emplace(families, options.tmark, listeners.front().address.port);
        else
            check_policy_routing(families, options.tmark);
    }

    std::vector<Listener> dns_listeners;
    if (!nameservers.empty()) {
        dns_listeners = bind_dns_listeners(listen_addresses, listeners.front().address.port, prepare_udp);
        for (const auto& ns : nameservers) spdlog::debug("capturing DNS to {}", ns.to_string());
        spdlog::debug("DNS listener on port {}", dns_listeners.front().address.port);
    }

    // 3. The server.
    const auto ssh_addresses = transport::ssh_server_addresses(options);
    transport::ServerLaunch server = early_server ? transport::finish_server(std::move(*early_server))
                                                  : transport::start_server(options, launch_params);
    spdlog::debug("server started: {}{}", server.description, server.uploaded ? " (helper uploaded)" : "");

    boost::asio::io_context io;
    client::EngineOptions engine_options;
    engine_options.latency_control = options.latency_control;
    engine_options.latency_buffer_size = static_cast<std::size_t>(options.latency_buffer_size);
    engine_options.wrap = static_cast<uint16_t>(options.wrap);
    engine_options.expect_sync_header = false;  // start_server consumed it
    client::ClientEngine engine(io, transport::make_server_stream(io, server), engine_options);

    // `sshuttle status` (the control socket) and systemd's STATUS= (polled, see util::StatusTicker).
    const std::string connected_to =
        "Connected to " + (options.remote ? options.remote->to_string() : std::string("the local server"));
    status::StatusService status_service(io, engine, status::session_info(options, method->name()));
    util::StatusTicker status_ticker(io, [&] { return status_service.brief(); });

    int exit_status = 0;
    std::string failure;
    auto fail = [&](const std::string& why) {
        if (failure.empty()) failure = why;
        exit_status = kExitFatal;
        io.stop();
    };

    // 4. Rules go in once the server has answered with its routes.
    fwmgr::GoFields go;
    go.udp = udp;
    go.uid = uid;
    go.gid = gid;
    go.tmark = options.tmark;
    go.client_pid = getpid();
    go.bypass_mark = launch_params.bypass_mark;
    engine.on_routes = [&](const std::vector<client::Route>& routes) {
        try {
            fwmgr::Ports ports;
            for (const auto& l : listeners)
                (l.address.address.family == net::Family::kIPv4 ? ports.tcp_v4 : ports.tcp_v6) = l.address.port;
            for (const auto& l : dns_listeners)
                (l.address.address.family == net::Family::kIPv4 ? ports.dns_v4 : ports.dns_v6) = l.address.port;
            const auto rules = build_rules(options, listen_addresses, ssh_addresses, routes, ipv6);
            firewall.install(rules, nameservers, ports, go);
            firewall.watch(io, fail);  // the manager's end ends the session (after its rules are removed)
            status_service.set_rules(rules);
            status_service.set_state("up");
            if (!nameservers.empty()) flush_resolver_cache();
            spdlog::info("Connected to server.");
            util::notify_ready(connected_to);
            status_ticker.start();
            util::daemon_ready();  // -D: detach; the waiting parent exits 0 now
            if (options.auto_hosts) engine.request_hosts(options.seed_hosts);
        } catch (const std::exception& e) {
            fail(e.what());
        }
    };
    engine.on_host = [&](const std::string& line) {
        auto comma = line.find(',');
        net::IpAddress ip;
        if (comma == std::string::npos || !net::IpAddress::parse(line.substr(comma + 1), ip)) return;
        // Inside the loop: a gone manager must end the session cleanly (rules restored), not escape io.run().
        try {
            firewall.send_host(line.substr(0, comma), ip);
        } catch (const std::exception& e) {
            fail(e.what());
        }
    };
    engine.on_closed = [&](const std::string& reason) { fail(reason); };

    for (const auto& l : listeners) {
        const uint16_t own_port = l.address.port;
        engine.add_tcp_listener(l.fd, [&, own_port](int fd) -> std::optional<net::Endpoint> {
            std::string why;
            std::optional<net::Endpoint> ep;
            if (nat_by_manager) {
                ep = original_dst_from_manager(firewall, fd, why);
            } else {
                auto dst = method->original_dst(fd, why);
                ep = dst ? endpoint_from(*dst) : std::nullopt;
            }
            if (!ep) {
                spdlog::warn("dropping a connection: no original destination ({})", why);
                return std::nullopt;
            }
            // A connection made straight to our own listener would loop forever.
            if (ep->port == own_port && std::any_of(listeners.begin(), listeners.end(), [&](const Listener& x) {
                    return x.address.address == ep->address;
                })) {
                spdlog::debug("ignoring a connection to our own listener {}", ep->to_string());
                return std::nullopt;
            }
            return ep;
        });
    }

    for (const auto& l : dns_listeners) {
        if (transparent && method->has_udp())
            engine.add_dns_listener(l.fd, transparent_udp_of(*method));
        else
            engine.add_dns_listener(l.fd);
    }
    for (const auto& l : udp_listeners) engine.add_udp_listener(l.fd, transparent_udp_of(*method));

    boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        spdlog::debug("signal {}: shutting down", signo);
        io.stop();
    });

    status_service.start();
    engine.start();
    io.run();
    status_service.stop();
    status_ticker.stop();
    util::notify_stopping();

    // 5. Undo everything: stop the data plane, let the manager restore the rules, end the server.
    engine.stop();
    firewall.close();
    if (own_routes) own_routes->remove();
    if (!nameservers.empty()) flush_resolver_cache();
    const std::string server_end = transport::stop_server(server);
    if (!failure.empty() && !server_end.empty()) failure += " (" + server_end + ")";
    if (!failure.empty()) spdlog::error("fatal: {}", failure);
    return exit_status;
}

}  // namespace sshuttle::app
