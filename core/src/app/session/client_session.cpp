// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's start-up order, as upstream's (reference §1.1): firewall manager first (so a sudo prompt comes
// early), then listeners, then the server; rules go in only once the server's first ROUTES has arrived, so the
// ssh connection itself is never captured. After that the session survives its server connection: a loss
// moves it to "reconnecting" (rules and listeners kept, new connections held) until a new connection is made.
// Everything is undone on the way out, whatever the reason.
#include "app/session/client_session.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "app/area_configs.hpp"
#include "app/nameservers.hpp"
#include "app/resolver_cache.hpp"
#include "app/rule_plan.hpp"
#include "app/owner_ids.hpp"
#include "app/udp_plugin_bridge.hpp"
#include "app/session/plugin_forward_handoff.hpp"
#include "app/session/ssh_forward_handoff.hpp"
#include "net/sockaddr.hpp"
#include "transport/ssh_addresses.hpp"
#include "util/daemon.hpp"
#include "util/exit_status.hpp"
#include "util/log.hpp"

namespace sshuttle::app {
namespace {

using util::kExitFatal;
// A connection attempt still running at exit (ssh stuck connecting) is given this long before we leave it.
constexpr auto kAttemptGrace = std::chrono::seconds(2);
// Connections forwarded by ssh itself at once; the mux carries the ones past it (offer_ssh_forwarding).
constexpr std::size_t kMaxSshForwards = 512;
// The same for the transport plugin's forwards (a pass of its thread looks at each of their sockets).
constexpr std::size_t kMaxPluginForwards = 256;

/// QUERY_PF_NAT through the manager. When the kernel has no answer the listener's own address is used, as
/// upstream does (with OpenBSD's divert-to that is the original destination; with rdr it is dropped as a
/// connection to ourselves).
std::optional<net::Endpoint> original_dst_from_manager(fwmgr::FirewallClient& firewall, int fd, std::string& why) {
    auto local = net::local_endpoint(fd);
    auto peer = net::peer_endpoint(fd);
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

bool same_routes(const std::vector<client::Route>& a, const std::vector<client::Route>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].family != b[i].family || !(a[i].address == b[i].address) || a[i].prefix != b[i].prefix)
            return false;
    return true;
}

}  // namespace

ClientSession::ClientSession(const cli::Options& options)
    : options_(options),
      retry_timer_(io_),
      backoff_(std::chrono::seconds(1), std::chrono::seconds(options.reconnect_max_wait)) {
    nameservers_ = captured_nameservers(options);
    if (options.dns && nameservers_.empty()) spdlog::warn("--dns: no nameserver found in /etc/resolv.conf");
    // As upstream: without captured DNS the server never gets a query, so --to-ns would do nothing.
    if (options.to_ns && !options.dns && options.ns_hosts.empty())
        spdlog::warn("--to-ns is ignored without --dns or --ns-hosts");
    // As upstream: seed names are only looked up by the hostwatch, which only -H starts.
    if (!options.seed_hosts.empty() && !options.auto_hosts)
        throw std::runtime_error("--seed-hosts only works together with -H/--auto-hosts");
    uid_ = resolve_uid(options.user);  // before anything starts: a typo fails at once
    gid_ = resolve_gid(options.group);
    peer_name_ = options.remote ? options.remote->to_string() : std::string("the local server");

    // ssh connecting (and the remote shell starting) is the slowest step of the start. As root no sudo prompt
    // can come, so ssh starts first and connects while the manager probes and the listeners are bound.
    launch_params_.bypass_mark = local_bypass_mark(options);
    // Extra SSH channels over the ssh program share the first one's connection through a socket of ours.
    if (options.remote && options.max_channels > 1) {
        control_dir_ = std::make_unique<transport::ControlDir>();
        launch_params_.control_dir = control_dir_->path();
    }
    const transport::LaunchConfig launch = launch_config_from(options);
    std::optional<transport::PendingServer> early_server;
    if (options.remote && geteuid() == 0) early_server.emplace(transport::launch_server(launch, launch_params_));

    // 1. The root part first, so that a sudo password prompt comes before anything else happens.
    firewall_ = std::make_unique<FirewallGuard>(options, host_, nameservers_);
    // 2. Listeners.
    listeners_ = std::make_unique<ListenerSet>(options, firewall_->method(), firewall_->ipv6(), firewall_->udp(),
                                               !nameservers_.empty());
    for (const auto& ns : nameservers_) spdlog::debug("capturing DNS to {}", ns.to_string());
    // 3. The server.
    ssh_addresses_ = transport::ssh_server_addresses(launch);
    server_ = early_server ? transport::finish_server(std::move(*early_server))
                           : transport::start_server(launch, launch_params_);
    spdlog::debug("server started: {}", server_->description());

    client::EngineOptions engine_options;
    engine_options.latency_control = options.latency_control;
    engine_options.latency_buffer_size = static_cast<std::size_t>(options.latency_buffer_size);
    engine_options.wrap = static_cast<uint16_t>(options.wrap);
    engine_options.expect_sync_header = false;  // start_server consumed it
    engine_options.survive_server_loss = options.reconnect;
    engine_options.max_channels = options.remote ? static_cast<std::size_t>(options.max_channels) : 1;
    engine_ = std::make_unique<client::ClientEngine>(io_, server_->stream(io_), engine_options);
    dialer_ = std::make_unique<ServerDialer>(io_, options, launch_params_);
    channel_dialer_ = std::make_unique<ChannelDialer>(io_);
    // `sshuttle status` (the control socket) and systemd's STATUS= (polled, see util::StatusTicker).
    status_service_ = std::make_unique<status::StatusService>(
        io_, *engine_, status::session_info(options, firewall_->method().name()));
    status_ticker_ = std::make_unique<util::StatusTicker>(io_, [this] { return status_service_->brief(); });
    wire_engine();
    offer_ssh_forwarding();
}

ClientSession::~ClientSession() = default;

// Each new TCP connection goes to SSH's own forwarding first (issue 17): the ssh program's, when there is a
// connection-sharing master to ask, or the transport plugin's (a direct-tcpip channel per connection).
void ClientSession::offer_ssh_forwarding() {
    std::shared_ptr<client::TcpHandoff> handoff;
    const auto& extra = server_ ? server_->extra_channels() : nullptr;
    const std::string socket = extra ? extra->forward_socket() : std::string();
    auto plugin = extra ? extra->forwarding_plugin() : nullptr;
    rlimit limit{};
    const rlim_t soft = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
    if (options_.ssh_forwarding && !socket.empty()) {
        // A forward costs the master three descriptors (the socket as input and output, the control connection)
        // and us two (the socket, the control connection). Past the bound the mux carries the rest, at one each.
        const std::size_t max_open = std::min<std::size_t>(kMaxSshForwards, static_cast<std::size_t>(soft / 8));
        handoff = std::make_shared<SshForwardHandoff>(io_, socket, max_open);
        spdlog::debug("TCP connections are forwarded by ssh itself (up to {} at once), then by the server", max_open);
    } else if (options_.ssh_forwarding && plugin) {
        // A forward costs us two descriptors (ours and the plugin's duplicate), and the plugin's thread polls
        // every one of its sockets in each pass: past the bound the mux carries the rest.
        const std::size_t max_open = std::min<std::size_t>(kMaxPluginForwards, static_cast<std::size_t>(soft / 4));
        handoff = std::make_shared<PluginForwardHandoff>(io_, std::move(plugin), max_open);
        spdlog::debug("TCP connections are forwarded by the transport (a channel each, up to {} at once), then by "
                      "the server", max_open);
    }
    engine_->set_tcp_handoff(std::move(handoff));
}

void ClientSession::wire_engine() {
    engine_->on_routes = [this](const std::vector<client::Route>& routes) { got_routes(routes); };
    engine_->on_host = [this](const std::string& line) {
        auto comma = line.find(',');
        net::IpAddress ip;
        if (comma == std::string::npos || !net::IpAddress::parse(line.substr(comma + 1), ip)) return;
        // Inside the loop: a gone manager must end the session cleanly (rules restored), not escape io.run().
        try {
            firewall_->manager().send_host(line.substr(0, comma), ip);
        } catch (const std::exception& e) {
            fail(e.what());
        }
    };
    engine_->on_closed = [this](const std::string& reason) { lost_server(reason); };
    engine_->on_channel_wanted = [this](uint64_t id) { open_extra_channel(id); };
    engine_->on_channel_closed = [this](uint64_t id, const std::string& reason) { extra_channel_closed(id, reason); };

    auto& method = firewall_->method();
    for (const auto& l : listeners_->tcp()) {
        const uint16_t own_port = l.address.port;
        engine_->add_tcp_listener(l.fd, [this, own_port](int fd) { return original_dst(fd, own_port); });
    }
    for (const auto& l : listeners_->dns()) {
        if (firewall_->transparent() && method.has_udp())
            engine_->add_dns_listener(l.fd, transparent_udp_of(method));
        else
            engine_->add_dns_listener(l.fd);
    }
    for (const auto& l : listeners_->udp()) engine_->add_udp_listener(l.fd, transparent_udp_of(method));
}

std::optional<net::Endpoint> ClientSession::original_dst(int fd, uint16_t own_port) {
    std::string why;
    std::optional<net::Endpoint> ep;
    if (firewall_->nat_by_manager()) {
        ep = original_dst_from_manager(firewall_->manager(), fd, why);
    } else {
        auto dst = firewall_->method().original_dst(fd, why);
        ep = dst ? net::endpoint_from_sockaddr(reinterpret_cast<const sockaddr*>(&*dst)) : std::nullopt;
    }
    if (!ep) {
        spdlog::warn("dropping a connection: no original destination ({})", why);
        return std::nullopt;
    }
    // A connection made straight to our own listener would loop forever.
    if (ep->port == own_port && listeners_->is_own(*ep)) {
        spdlog::debug("ignoring a connection to our own listener {}", ep->to_string());
        return std::nullopt;
    }
    return ep;
}

// 4. Rules go in once the first server has answered with its routes; later connections only refresh them.
void ClientSession::got_routes(const std::vector<client::Route>& routes) {
    try {
        if (!firewall_->installed()) {
            fwmgr::GoFields go;
            go.udp = firewall_->udp();
            go.uid = uid_;
            go.gid = gid_;
            go.tmark = options_.tmark;
            go.client_pid = getpid();
            go.bypass_mark = launch_params_.bypass_mark;
            const auto rules =
                build_rules(options_, listeners_->addresses(), ssh_addresses_, routes, firewall_->ipv6());
            firewall_->install(rules, nameservers_, listeners_->ports(), go);
            // The manager's end ends the session (after its rules are removed), reconnecting or not: without
            // it nothing is captured any more.
            firewall_->manager().watch(io_, [this](const std::string& why) { fail(why); });
            status_service_->set_rules(rules);
            first_routes_ = routes;
            if (!nameservers_.empty()) flush_resolver_cache();
            spdlog::info("Connected to server.");
            state_.enter(SessionPhase::kUp);
            status_service_->set_state("up");
            util::notify_ready("Connected to " + peer_name_);
            status_ticker_->start();
            util::daemon_ready();  // -D: detach; the waiting parent exits 0 now
        } else {
            if (options_.auto_nets && !same_routes(routes, first_routes_)) follow_routes(routes);
            spdlog::info("Reconnected to server ({} reconnect(s) so far).", state_.reconnects);
            state_.enter(SessionPhase::kUp);
            status_service_->set_state("up");
        }
        // What -H learns is refreshed on every connection: the new server starts its own hostwatch.
        if (options_.auto_hosts) engine_->request_hosts(options_.seed_hosts);
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

// -N: the rules follow a changed route set in one update of the firewall, never a moment without rules. When
// the manager cannot apply it the previous rules stay, and the next connection tries again.
void ClientSession::follow_routes(const std::vector<client::Route>& routes) {
    const auto rules = build_rules(options_, listeners_->addresses(), ssh_addresses_, routes, firewall_->ipv6());
    if (std::string why = firewall_->update(rules); !why.empty()) {
        spdlog::warn("the server's routes changed, but the rules keep the previous set: {}", why);
        return;
    }
    spdlog::info("the server's routes changed: the rules now follow the new set ({} rules)", rules.size());
    status_service_->set_rules(rules);
    first_routes_ = routes;
}

// An extra SSH channel, asked for by the data plane as the load grows: a server started over the primary's
// connection (no new authentication), opened off the loop.
void ClientSession::open_extra_channel(uint64_t id) {
    if (!server_ || !server_->extra_channels()) {
        // Answered later, not from inside the engine's call.
        boost::asio::post(io_, [this, id] {
            engine_->channel_failed(id, "the transport cannot open another channel on this connection");
        });
        return;
    }
    channel_dialer_->dial(id, server_->extra_channels(),
                          [this, generation = server_generation_](
                              uint64_t channel, std::unique_ptr<transport::ServerConnection> connection,
                              const std::string& error) {
                              // A channel of a server that is gone (or a session that is ending) ends here.
                              if (state_.phase == SessionPhase::kStopping || generation != server_generation_) return;
                              if (!connection) {
                                  engine_->channel_failed(channel, error);
                                  return;
                              }
                              auto stream = connection->stream(io_);
                              extra_servers_[channel] = std::move(connection);
                              engine_->add_channel(channel, std::move(stream));
                          });
}

void ClientSession::extra_channel_closed(uint64_t id, const std::string& reason) {
    const auto it = extra_servers_.find(id);
    if (it == extra_servers_.end()) return;
    const std::string server_end = it->second->end();
    if (!server_end.empty()) spdlog::debug("SSH channel {}: the server ended with {} ({})", id, server_end, reason);
    extra_servers_.erase(it);
}

void ClientSession::end_extra_channels() {
    for (auto& [id, connection] : extra_servers_) connection->end();
    extra_servers_.clear();
}

void ClientSession::lost_server(const std::string& reason) {
    if (state_.phase == SessionPhase::kStopping) return;
    ++server_generation_;
    engine_->set_tcp_handoff(nullptr);  // its master went with the connection
    end_extra_channels();  // the engine closed their streams already; they go before their connection
    std::string why = reason;
    const std::string server_end = server_ ? server_->end() : std::string();
    if (!server_end.empty()) why += " (" + server_end + ")";
    server_.reset();
    state_.last_error = why;
    // Before the rules are in, at a protocol violation, or when asked: today's behaviour, the session ends.
    if (!options_.reconnect || !firewall_->installed() || engine_->closed_by_protocol_error()) {
        fail(why);
        return;
    }
    spdlog::warn("lost the server connection: {}; reconnecting (rules stay in, new connections wait)", why);
    state_.enter(SessionPhase::kReconnecting);
    status_service_->set_state("reconnecting", why);
    schedule_attempt();
}

void ClientSession::schedule_attempt() {
    const auto delay = backoff_.next();
    spdlog::info("reconnect attempt {} in {} ms", backoff_.attempts(), delay.count());
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || state_.phase == SessionPhase::kStopping) return;
        dialer_->dial([this](std::unique_ptr<transport::ServerConnection> connection, const std::string& error) {
            attempt_finished(std::move(connection), error);
        });
    });
}

void ClientSession::attempt_finished(std::unique_ptr<transport::ServerConnection> connection,
                                     const std::string& error) {
    if (state_.phase == SessionPhase::kStopping) return;  // `connection` ends with this scope
    if (!connection) {
        // One line per attempt: under systemd or -D an attempt that needs a person fails here, every time.
        spdlog::warn("reconnect attempt {} failed: {}", backoff_.attempts(), error);
        state_.last_error = error;
        status_service_->set_state("reconnecting", error);
        schedule_attempt();
        return;
    }
    server_ = std::move(connection);
    ++state_.reconnects;
    status_service_->add_reconnect();
    backoff_.reset();
    spdlog::info("server connection is back: {}", server_->description());
    engine_->attach(server_->stream(io_));
    offer_ssh_forwarding();
}

void ClientSession::fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
    exit_status_ = kExitFatal;
    stop();
}

void ClientSession::stop() {
    state_.enter(SessionPhase::kStopping);
    retry_timer_.cancel();
    io_.stop();
}

int ClientSession::run() {
    signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
    signals_->async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        spdlog::debug("signal {}: shutting down", signo);
        stop();
    });
    engine_->start();
    status_service_->start();
    io_.run();
    state_.enter(SessionPhase::kStopping);
    status_service_->stop();
    status_ticker_->stop();
    util::notify_stopping();

    // 5. Undo everything: stop the data plane, let the manager restore the rules, end the server.
    engine_->stop();
    end_extra_channels();
    firewall_->close();
    if (!nameservers_.empty()) flush_resolver_cache();
    if (server_) {
        const std::string server_end = server_->end();
        if (!failure_.empty() && !server_end.empty()) failure_ += " (" + server_end + ")";
    }
    if (!failure_.empty()) spdlog::error("fatal: {}", failure_);
    if (dialer_->still_busy_after(kAttemptGrace) || channel_dialer_->still_busy_after(kAttemptGrace)) {
        // ssh (or the transport) is stuck connecting and cannot be interrupted from here. The rules are
        // restored already; leaving without unwinding keeps its thread from touching what unwinding frees.
        spdlog::warn("a reconnect attempt is still running; exiting without waiting for it");
        spdlog::shutdown();
        std::_Exit(exit_status_);
    }
    return exit_status_;
}

int run_client(const cli::Options& options) {
    signal(SIGPIPE, SIG_IGN);
    ClientSession session(options);
    return session.run();
}

}  // namespace sshuttle::app
