// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/firewall_client.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "fwmgr/manager_command.hpp"
#include "util/process.hpp"
#include "util/shell_words.hpp"

namespace sshuttle::fwmgr {
namespace {

// Lines before READY may be long junk (sudo lectures, motd); the manager's own lines stay under 128 bytes.
constexpr size_t kClientLineBytes = 4096;
constexpr int kMaxJunkLines = 100;
constexpr std::chrono::milliseconds kStillWaitingInterval{10000};

}  // namespace

FirewallClient::~FirewallClient() {
    if (pid_ < 0) return;
    try {
        close();
    } catch (const std::exception& e) {
        spdlog::error("closing the firewall manager: {}", e.what());
    }
}

void FirewallClient::start(const cli::Options& options) {
    start_command(manager_command(options, self_executable(), detect_elevation()));
}

void FirewallClient::start_command(const std::vector<std::string>& argv) {
    if (pid_ >= 0) throw FirewallError("the firewall manager is already running (pid " + std::to_string(pid_) + ")");
    spdlog::debug("starting the firewall manager: {}", util::join_shell_words(argv));
    try {
        util::Child child = util::spawn_with_socketpair(argv);
        pid_ = child.pid;
        fd_ = child.fd;
    } catch (const std::exception& e) {
        throw FirewallError("cannot start the firewall manager '" + util::join_shell_words(argv) + "': " + e.what());
    }
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

void FirewallClient::install(const std::vector<net::Subnet>& routes, const std::vector<net::IpAddress>& nameservers,
                             const Ports& ports, const GoFields& go) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    std::string block = std::string(kRoutesLine) + "\n";
    try {
        for (const auto& rule : routes) block += format_route(rule);
        block += std::string(kNslistLine) + "\n";
        for (const auto& ns : nameservers) block += format_nameserver(ns);
        block += format_ports(ports);
        block += format_go(go);
        write_all(fd_, block);
    } catch (const std::exception& e) {
        throw FirewallError(std::string("sending the rules to the firewall manager: ") + e.what());
    }
    std::string reply = read_reply("STARTED");
    if (reply == kStartedLine) return;
    close();
    if (auto error = parse_error(reply)) throw FirewallError("firewall manager: " + *error);
    throw FirewallError("the firewall manager answered '" + reply + "' instead of STARTED");
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
    try {
        write_all(fd_, line);
    } catch (const std::exception& e) {
        throw FirewallError(std::string("sending a host to the firewall manager: ") + e.what());
    }
}

std::optional<net::Endpoint> FirewallClient::query_nat(const net::Endpoint& src, const net::Endpoint& dst,
                                                       std::string& why) {
    if (pid_ < 0) throw FirewallError("the firewall manager is not running");
    try {
        write_all(fd_, format_nat_query(NatQuery{6, src, dst}));
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

int FirewallClient::close(std::chrono::milliseconds grace) {
    if (pid_ < 0) return -1;
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
