// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's live status: gathers the session's facts (remote, transport, method, state, the rules) and the
// data plane's counters into a SessionStatus, and publishes it through the control socket (`sshuttle status`),
// one brief line for systemd's STATUS= (brief()) and, every half minute when it changed, the -v log.
// The session owns one of these and tells it what only the session knows: set_state(), add_reconnect(),
// set_rules(). A client that cannot make its control socket runs on without one (a warning says why).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/status/control_server.hpp"
#include "app/status/control_socket.hpp"
#include "app/status/rate_meter.hpp"
#include "app/status/status_model.hpp"
#include "cli/options.hpp"
#include "client/engine.hpp"
#include "net/address.hpp"

namespace sshuttle::app::status {

/// What the status says about the session that never changes while it runs.
struct SessionInfo {
    std::string name;       // --profile
    std::string remote;
    std::string transport;
    std::string method;
};

/// The SessionInfo of a client run with `options` and firewall method `method`.
SessionInfo session_info(const cli::Options& options, const std::string& method);

class StatusService {
   public:
    static constexpr auto kTick = std::chrono::seconds(1);
    static constexpr int kTicksPerRttProbe = 10;
    static constexpr int kTicksPerLogLine = 30;

    StatusService(boost::asio::io_context& io, client::ClientEngine& engine, SessionInfo info);
    ~StatusService();
    StatusService(const StatusService&) = delete;
    StatusService& operator=(const StatusService&) = delete;

    /// Opens the control socket and starts sampling rates and probing the RTT.
    void start();
    /// Closes the control socket (and removes it) and stops the timers.
    void stop();

    /// starting, up, reconnecting, stopping; `error` (when not empty) becomes the last error. Going from up to
    /// reconnecting records a loss with `error` as its cause (the last kMaxReconnectCauses are kept).
    void set_state(const std::string& state, const std::string& error = "");
    /// A new server connection is up: counts it and marks the last loss as recovered.
    void add_reconnect();
    /// The rules in force (includes and excludes, as sent to the firewall manager).
    void set_rules(const std::vector<net::Subnet>& rules);

    SessionStatus snapshot();
    std::string brief() { return render_brief(snapshot()); }
    /// The control socket's path; empty when there is none.
    std::string socket_path() const { return socket_ ? socket_->path() : std::string(); }

   private:
    void tick();
    void arm();

    boost::asio::io_context& io_;
    client::ClientEngine& engine_;
    SessionInfo info_;
    std::string state_ = "starting";
    int64_t state_since_unix_ms_ = 0;
    uint64_t reconnects_ = 0;
    std::string last_error_;
    std::vector<ReconnectCause> recent_reconnects_;
    std::vector<std::string> subnets_;
    std::vector<std::string> excludes_;
    RateMeter rates_;
    boost::asio::steady_timer timer_;
    int ticks_ = 0;
    std::string last_logged_;
    std::optional<ControlSocket> socket_;
    std::shared_ptr<ControlServer> server_;
    bool running_ = false;
};

}  // namespace sshuttle::app::status
