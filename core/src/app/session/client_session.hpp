// SPDX-License-Identifier: LGPL-2.1-or-later
// The client as a long-lived session made of parts that undo themselves: the firewall guard and the listeners
// live as long as the session; server connections come and go under them. Its states, all driven here:
//
//   starting --first ROUTES--> up --server lost--> reconnecting --new connection--> up ...
//       any state --signal, fatal error, or a loss with --no-reconnect--> stopping
//
// While reconnecting the rules stay in (nothing captured leaves by the direct route), new connections are held
// by the data plane and carried once a server is back, and the ones that were open are reset.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/session/backoff.hpp"
#include "app/session/channel_dialer.hpp"
#include "app/session/firewall_guard.hpp"
#include "app/session/listener_set.hpp"
#include "app/session/server_dialer.hpp"
#include "app/session/session_state.hpp"
#include "app/status/status_service.hpp"
#include "cli/options.hpp"
#include "client/engine.hpp"
#include "fwmgr/line_protocol.hpp"
#include "plugin/plugins.hpp"
#include "transport/control_dir.hpp"
#include "transport/server_connection.hpp"
#include "transport/server_launch.hpp"
#include "util/sd_notify.hpp"

namespace sshuttle::app {

class ClientSession {
   public:
    /// Starts the firewall manager, binds the listeners and connects to the server (blocking: nothing can be
    /// captured before the first server is up). Throws with one line on any failure; nothing stays behind.
    explicit ClientSession(const cli::Options& options);
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    /// Runs until a signal or a fatal error, then undoes everything. Returns the exit status (0 after a
    /// signal, 99 when the session failed, like upstream).
    int run();

    /// The one place the session's state is read (status reporting).
    const SessionState& state() const { return state_; }

   private:
    void wire_engine();
    void got_routes(const std::vector<client::Route>& routes);
    void follow_routes(const std::vector<client::Route>& routes);
    void lost_server(const std::string& reason);
    void schedule_attempt();
    void attempt_finished(std::unique_ptr<transport::ServerConnection> connection, const std::string& error);
    void open_extra_channel(uint64_t id);
    void extra_channel_closed(uint64_t id, const std::string& reason);
    void end_extra_channels();
    void offer_ssh_forwarding();
    std::optional<net::Endpoint> original_dst(int fd, uint16_t own_port);
    void fail(const std::string& why);
    void stop();

    const cli::Options& options_;
    std::vector<net::IpAddress> nameservers_;
    int64_t uid_ = -1;
    int64_t gid_ = -1;
    transport::LaunchParams launch_params_;
    std::vector<net::IpAddress> ssh_addresses_;
    std::string peer_name_;
    std::vector<client::Route> first_routes_;  // what the rules are built from

    plugin::HostServices host_;  // outlives the method plugin (plugins keep its table)
    std::unique_ptr<FirewallGuard> firewall_;
    std::unique_ptr<ListenerSet> listeners_;
    std::unique_ptr<transport::ControlDir> control_dir_;  // the ssh master's socket; outlives every ssh
    std::unique_ptr<transport::ServerConnection> server_;
    // The extra SSH channels' servers.
    std::map<uint64_t, std::unique_ptr<transport::ServerConnection>> extra_servers_;
    uint64_t server_generation_ = 0;  // bumped at each loss: a channel opened for an old server is not used

    boost::asio::io_context io_;
    std::unique_ptr<client::ClientEngine> engine_;
    std::unique_ptr<ServerDialer> dialer_;  // after io_: destroyed (and joined) first
    std::unique_ptr<ChannelDialer> channel_dialer_;  // likewise
    std::unique_ptr<boost::asio::signal_set> signals_;  // from run() on: before, a signal ends the start as always
    boost::asio::steady_timer retry_timer_;
    std::unique_ptr<status::StatusService> status_service_;  // `sshuttle status`; after engine_, which it reads
    std::unique_ptr<util::StatusTicker> status_ticker_;
    Backoff backoff_;

    SessionState state_;
    int exit_status_ = 0;
    std::string failure_;
};

/// Runs the client until a signal or a fatal error; restores the firewall on every path.
int run_client(const cli::Options& options);

}  // namespace sshuttle::app
