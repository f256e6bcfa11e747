// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/firewall_client.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include "common/shell_quote.hpp"
#include "fwmgr/manager_command.hpp"
#include "util/process.hpp"

namespace sshuttle::fwmgr {
namespace {

// Lines before READY may be long junk (sudo lectures, motd); the manager's own lines stay under 128 bytes.
constexpr size_t kClientLineBytes = 4096;
constexpr int kMaxJunkLines = 100;
constexpr std::chrono::milliseconds kStillWaitingInterval{10000};
// A manager that died is gone: its sudo (if any) exits right after it.
constexpr std::chrono::milliseconds kLostGrace{5000};
// HOST lines waiting for the socket; past this a server flooding names loses them, not our memory.
constexpr size_t kMaxQueuedBytes = 4 << 20;

/// Our environment without what the manager reads to identify its caller (fwmgr/caller.hpp). A manager we start
/// directly runs as us, so we are its caller; a SUDO_UID we inherited (`sudo sshuttle ...`) names whoever ran
/// the outer sudo, not us. Through sudo/doas these are set anew by sudo/doas themselves.
std::vector<char*> environment_without_caller_hints() {
    std::vector<char*> out;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text = *entry;
        if (text.starts_with("SUDO_UID=") || text.starts_with("SUDO_GID=") || text.starts_with("DOAS_USER="))
            continue;
        out.push_back(*entry);
    }
    out.push_back(nullptr);
    return out;
}

/// "exited with status N" or "killed by signal N" (util::wait_child gives 128+signal for a signal).
std::string how_it_ended(int status) {
    if (status > 128) return "killed by signal " + std::to_string(status - 128);
    return "exited with status " + std::to_string(status);
}

}  // namespace

FirewallClient::~FirewallClient() {
    *alive_ = false;
    if (pid_ < 0) return;
    try {
        close();
    } catch (const std::exception& e) {
        spdlog::error("closing the firewall manager: {}", e.what());
    }
}

void FirewallClient::start(const ManagerConfig& options) {
    start_command(manager_command(options, self_executable(), detect_elevation()));
}

void FirewallClient::start_command(const std::vector<std::string>& argv) {
    if (pid_ >= 0) throw FirewallError("the firewall manager is already running (pid " + std::to_string(pid_) + ")");
    spdlog::debug("starting the firewall manager: {}", common::join_shell_words(argv));
    try {
        // Built before fork: after it the child only swaps a pointer (no allocation between fork and exec).
        std::vector<char*> env = environment_without_caller_hints();
        util::Child child = util::spawn_with_socketpair(argv, [&env] { environ = env.data(); });
        pid_ = child.pid;
        fd_ = child.fd;
    } catch (const std::exception& e) {
        throw FirewallError("cannot start the firewall manager '" + common::join_shell_words(argv) + "': " + e.what());
    }
    argv_ = argv;
    reader_ = std::make_unique<LineReader>(fd_, kClientLineBytes);
    for (int junk = 0;; ++junk) {
        std::string line = read_reply("READY");
        if (auto method = parse_ready(line)) {
            method_ = *method;
            spdlog::debug("the firewall manager is ready, method {}", method_);
            return;
        }
        if (auto error = parse_error(line)) {
            close();
            throw FirewallError("firewall manager: " + *error);
        }
        if (junk == kMaxJunkLines) {
            close();
            throw FirewallError("the firewall manager sent " + std::to_string(kMaxJunkLines + 1) +
                                " lines without READY, the last: '" + line + "'");
        }
        spdlog::debug("firewall manager start-up output: {}", line);
    }
}

void FirewallClient::send_order(const Order& order, const std::string& last_line) {
    std::string block = std::string(kRoutesLine) + "\n";
    try {
        for (const auto& rule : order.routes) block += format_route(rule);
        block += std::string(kNslistLine) + "\n";
        for (const auto& ns : order.nameservers) block += format_nameserver(ns);
        block += format_ports(order.ports);
        block += last_line;
        write_all(fd_, block);
    } catch (const std::exception& e) {
        throw FirewallError(std::string("sending the rules to the firewall manager: ") + e.what());
    }
}

void FirewallClient::install(const std::vector<net::Subnet>& routes, const std::vector<net::IpAddress>& nameservers,
                             const Ports& ports, const GoFields& go) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    Order order{routes, nameservers, ports, go};
    send_order(order, format_go(go));
    std::string reply = read_reply("STARTED");
    if (reply == kStartedLine) {
        installed_ = std::move(order);
        return;
    }
    close();
    if (auto error = parse_error(reply)) throw FirewallError("firewall manager: " + *error);
    throw FirewallError("the firewall manager answered '" + reply + "' instead of STARTED");
}

void FirewallClient::watch(boost::asio::io_context& io, std::function<void(const std::string&)> on_lost) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    on_lost_ = std::move(on_lost);
    // Only readiness is waited for: the socket stays blocking for query_nat's synchronous round trip.
    watcher_ = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd_);
    arm_read_watch();
    if (!queue_.empty()) flush_queue();
}

void FirewallClient::arm_read_watch() {
    std::weak_ptr<bool> alive = alive_;
    watcher_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this, alive](const boost::system::error_code& ec) {
                             if (alive.expired() || ec == boost::asio::error::operation_aborted || !watcher_) return;
                             // install()'s read may have taken the manager's next line with its answer.
                             std::string buffered;
                             if (reader_ && reader_->take_buffered_line(buffered)) return lost_by_line(buffered);
                             char peek[kMaxLineBytes];
                             const ssize_t got = recv(fd_, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
                             if (got < 0 && (errno == EAGAIN || errno == EINTR)) return arm_read_watch();
                             if (got < 0) return manager_lost(std::string("its socket failed: ") + strerror(errno));
                             if (got == 0) return manager_lost("");
                             std::string line(peek, static_cast<size_t>(got));
                             lost_by_line(line.substr(0, line.find('\n')));
                         });
}

void FirewallClient::lost_by_line(const std::string& line) {
    // The manager speaks only when asked (query_nat reads its own answer): anything else, an ERROR above all,
    // means the session on its side is over.
    if (auto error = parse_error(line)) return manager_lost("it said: " + *error);
    manager_lost("it sent an unexpected line '" + line + "'");
}

void FirewallClient::send_host(const std::string& name, const net::IpAddress& ip) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    std::string line;
    try {
        line = format_host(HostEntry{name, ip});
    } catch (const ProtocolError& e) {
        spdlog::warn("not adding host '{}': {}", name, e.what());
        return;
    }
    if (queue_.size() + line.size() > kMaxQueuedBytes) {
        spdlog::warn("not adding host '{}': {} bytes of host lines are already waiting for the firewall manager",
                     name, queue_.size());
        return;
    }
    queue_ += line;
    if (!watcher_) {  // not in the loop yet: the old synchronous way
        std::string text = std::move(queue_);
        queue_.clear();
        try {
            write_all(fd_, text);
        } catch (const std::exception& e) {
            throw FirewallError(std::string("sending a host to the firewall manager: ") + e.what());
        }
        return;
    }
    flush_queue();
}

void FirewallClient::flush_queue() {
    while (!queue_.empty() && !lost_) {
        const ssize_t sent = send(fd_, queue_.data(), queue_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent > 0) {
            queue_.erase(0, static_cast<size_t>(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (write_armed_) return;
            write_armed_ = true;
            std::weak_ptr<bool> alive = alive_;
            watcher_->async_wait(boost::asio::posix::stream_descriptor::wait_write,
                                 [this, alive](const boost::system::error_code& ec) {
                                     if (alive.expired() || ec == boost::asio::error::operation_aborted || !watcher_)
                                         return;
                                     write_armed_ = false;
                                     flush_queue();
                                 });
            return;
        }
        // EPIPE/ECONNRESET: the read watch reports the manager's end with its exit status.
        spdlog::debug("sending hosts to the firewall manager: {}", strerror(errno));
        queue_.clear();
        return;
    }
}

void FirewallClient::manager_lost(const std::string& what) {
    if (lost_) return;
    lost_ = true;
    queue_.clear();
    const pid_t pid = pid_;
    const int status = close(kLostGrace);
    std::string reason = "firewall manager (pid " + std::to_string(pid) + ") " + how_it_ended(status);
    if (!what.empty()) reason += ": " + what;
    spdlog::error("{}; the tunnel no longer captures anything and is shut down", reason);
    if (installed_) {
        const std::string left = clean_up_after(*installed_);
        if (!left.empty()) reason += "; " + left;
    }
    if (on_lost_) on_lost_(reason);
}

std::string FirewallClient::clean_up_after(const Order& order) {
    // A manager that was SIGKILLed (or OOM-killed) could not restore anything. A fresh one, started exactly as
    // the first (the same sudo rule), removes the rules and hosts lines of our ports: CLEANUP instead of GO.
    try {
        start_command(argv_);
        send_order(order, format_cleanup(order.go));
        std::string reply = read_reply("RESTORED");
        close();
        if (reply == kRestoredLine) {
            spdlog::info("a fresh firewall manager removed the rules the old one left");
            return {};
        }
        if (auto error = parse_error(reply)) return "removing its rules failed: " + *error;
        return "removing its rules failed: the firewall manager answered '" + reply + "'";
    } catch (const std::exception& e) {
        return std::string("removing its rules failed: ") + e.what();
    }
}

std::optional<net::Endpoint> FirewallClient::query_nat(const net::Endpoint& src, const net::Endpoint& dst,
                                                       std::string& why) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    try {
        // Queued host lines first: the order on the socket is the order of events.
        std::string text = std::move(queue_) + format_nat_query(NatQuery{6, src, dst});
        queue_.clear();
        write_all(fd_, text);
    } catch (const std::exception& e) {
        throw FirewallError(std::string("asking the firewall manager for a NAT lookup: ") + e.what());
    }
    const std::string line = read_reply("QUERY_PF_NAT_SUCCESS");
    NatReply reply;
    try {
        reply = parse_nat_reply(line);
    } catch (const ProtocolError& e) {
        throw FirewallError(std::string("firewall manager: ") + e.what());
    }
    if (!reply.original_dst) why = reply.failure;
    return reply.original_dst;
}

std::string FirewallClient::update_routes(const std::vector<net::Subnet>& routes) {
    if (pid_ < 0 || !installed_) throw FirewallError("the firewall manager has no rules to update");
    try {
        // Queued host lines first: the order on the socket is the order of events.
        std::string text = std::move(queue_) + std::string(kRoutesUpdateLine) + "\n";
        queue_.clear();
        for (const auto& rule : routes) text += format_route(rule);
        text += std::string(kRoutesEndLine) + "\n";
        write_all(fd_, text);
    } catch (const std::exception& e) {
        throw FirewallError(std::string("sending the new routes to the firewall manager: ") + e.what());
    }
    const std::string line = read_reply(std::string(kRoutesUpdatedLine).c_str());
    if (line == kRoutesUpdatedLine) {
        installed_->routes = routes;  // a fresh manager's CLEANUP must describe the rules now in force
        return {};
    }
    if (auto failure = parse_update_failure(line)) return failure->empty() ? "no reason given" : *failure;
    throw FirewallError("the firewall manager answered '" + line + "' to a route update");
}

int FirewallClient::close(std::chrono::milliseconds grace) {
    if (pid_ < 0) return -1;
    if (watcher_) {
        watcher_->release();  // the descriptor is ours to close below; its pending waits are cancelled
        watcher_.reset();
    }
    write_armed_ = false;
    // Half-close: the manager sees EOF and restores; our read side tells us when it has gone.
    shutdown(fd_, SHUT_WR);
    if (!wait_for_eof(grace)) {
        spdlog::warn("the firewall manager (pid {}) did not exit within {} ms; terminating it", pid_, grace.count());
        kill(pid_, SIGTERM);
        // Never SIGKILL: the manager may be waiting for the xtables lock in the middle of removing the rules,
        // and killing it then would leave them installed. SIGTERM only makes it finish and exit.
        while (!wait_for_eof(kStillWaitingInterval))
            spdlog::warn("still waiting for the firewall manager (pid {}) to restore the firewall", pid_);
    }
    ::close(fd_);
    fd_ = -1;
    reader_.reset();
    int status = util::wait_child(pid_);
    pid_ = -1;
    if (status != 0) spdlog::debug("the firewall manager exited with status {}", status);
    return status;
}

std::string FirewallClient::read_reply(const char* expecting) {
    std::string line;
    LineReader::Status status{};
    try {
        status = reader_->read_line(line);
    } catch (const std::exception& e) {
        close();
        throw FirewallError(std::string("reading from the firewall manager: ") + e.what());
    }
    if (status == LineReader::Status::kLine) return line;
    int exit_status = close();
    throw FirewallError("the firewall manager exited with status " + std::to_string(exit_status) + " before sending " +
                        expecting);
}

bool FirewallClient::wait_for_eof(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd_, POLLIN, 0};
        int ready = poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) return false;
        if (ready <= 0) continue;
        char discard[512];
        ssize_t got = read(fd_, discard, sizeof discard);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) return true;
    }
}

}  // namespace sshuttle::fwmgr
