// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/status_service.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace sshuttle::app::status {
namespace {

int64_t unix_ms(std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

int64_t now_unix_ms() { return unix_ms(std::chrono::system_clock::now()); }

std::string transport_of(const cli::Options& options) {
    if (!options.remote) return "local server";
    if (!options.ssh_cmd.empty()) return "ssh command (-e)";
    if (!options.transport.empty()) return options.transport;
    return "ssh";
}

}  // namespace

SessionInfo session_info(const cli::Options& options, const std::string& method) {
    SessionInfo info;
    info.name = options.profile;
    info.remote = options.remote ? options.remote->to_string() : "local";
    info.transport = transport_of(options);
    info.method = method;
    return info;
}

StatusService::StatusService(boost::asio::io_context& io, client::ClientEngine& engine, SessionInfo info)
    : io_(io), engine_(engine), info_(std::move(info)), state_since_unix_ms_(now_unix_ms()), timer_(io) {}

StatusService::~StatusService() { stop(); }

void StatusService::start() {
    if (running_) return;
    running_ = true;
    std::string why;
    socket_ = ControlSocket::create(info_.name, why);
    if (socket_) {
        server_ = ControlServer::create(io_, socket_->release_fd(), socket_->allowed_uids(),
                                        [this] { return to_json(snapshot()); });
        server_->start();
        spdlog::debug("status socket: {}", socket_->path());
    } else {
        spdlog::warn("no status socket (`sshuttle status` will not find this client): {}", why);
    }
    arm();  // the first RTT probe goes out on the first tick: now, the mux has not started reading yet
}

void StatusService::stop() {
    if (!running_) return;
    running_ = false;
    timer_.cancel();
    if (server_) server_->stop();
    server_.reset();
    socket_.reset();  // removes the socket file
}

void StatusService::set_state(const std::string& state, const std::string& error) {
    if (state != state_) {
        // Up -> reconnecting is a loss: its error is the cause. Failed attempts after it only update last_error.
        if (state == "reconnecting" && state_ == "up") record_loss(recent_reconnects_, now_unix_ms(), error);
        state_ = state;
        state_since_unix_ms_ = now_unix_ms();
    }
    if (!error.empty()) last_error_ = error;
}

void StatusService::add_reconnect() {
    ++reconnects_;
    record_back(recent_reconnects_, now_unix_ms());
}

void StatusService::set_rules(const std::vector<net::Subnet>& rules) {
    subnets_.clear();
    excludes_.clear();
    for (const auto& rule : rules) (rule.exclude ? excludes_ : subnets_).push_back(rule.to_string());
}

SessionStatus StatusService::snapshot() {
    SessionStatus s;
    s.pid = ::getpid();
    s.name = info_.name;
    s.remote = info_.remote;
    s.transport = info_.transport;
    s.method = info_.method;
    s.state = state_;
    s.state_since_unix_ms = state_since_unix_ms_;
    s.reconnects = reconnects_;
    s.last_error = last_error_;
    s.recent_reconnects = recent_reconnects_;
    if (const auto rtt = engine_.last_rtt())
        s.rtt_ms = std::chrono::duration<double, std::milli>(*rtt).count();
    const auto traffic = engine_.traffic();
    s.bytes_up = traffic.bytes_up;
    s.bytes_down = traffic.bytes_down;
    rates_.sample(RateMeter::Clock::now(), traffic.bytes_up, traffic.bytes_down);
    s.rate_up = rates_.rate_up();
    s.rate_down = rates_.rate_down();
    s.connections.reserve(traffic.open.size());
    for (const auto& c : traffic.open) {
        s.connections.push_back({c.source.to_string(), c.destination.to_string(), unix_ms(c.opened), c.bytes_up,
                                 c.bytes_down});
    }
    s.connections_opened = traffic.connections_opened;
    s.udp_flows = engine_.udp_flows();
    s.ssh_channels = engine_.server_channels();
    s.dns_queries = engine_.dns_queries();
    s.subnets = subnets_;
    s.excludes = excludes_;
    return s;
}

void StatusService::arm() {
    timer_.expires_after(kTick);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) return;
        tick();
        arm();
    });
}

void StatusService::tick() {
    ++ticks_;
    const auto traffic = engine_.traffic();
    rates_.sample(RateMeter::Clock::now(), traffic.bytes_up, traffic.bytes_down);
    if (ticks_ == 1 || ticks_ % kTicksPerRttProbe == 0) engine_.probe_rtt();
    if (ticks_ % kTicksPerLogLine == 0) {
        std::string line = brief();
        if (line != last_logged_) spdlog::debug("status: {}", line);
        last_logged_ = std::move(line);
    }
}

}  // namespace sshuttle::app::status
