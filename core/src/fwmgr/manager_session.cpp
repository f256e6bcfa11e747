// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/manager_session.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "fwmgr/line_channel.hpp"
#include "fwmgr/request_plan.hpp"

namespace sshuttle::fwmgr {
namespace {

enum class Event { kLine, kEof, kSignal };

class Session {
   public:
    Session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals)
        : backend_(backend), reader_(in_fd), in_fd_(in_fd), out_fd_(out_fd), signals_(signals) {}

    int run() {
        try {
            send(format_ready(backend_.name()));
            InstallOrder order;
            Event event = read_order(order);
            if (event != Event::kLine) return finish(event);
            install(plan_requests(order));
            send(std::string(kStartedLine) + "\n");
            return finish(serve());
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            send_error(e.what());
            restore_touched();
            return 1;
        }
    }

   private:
    Event next_line(std::string& line) {
        switch (reader_.read_line(line, signals_.wake_fd())) {
            case LineReader::Status::kWoken:
                return Event::kSignal;
            case LineReader::Status::kEof:
                return Event::kEof;
            case LineReader::Status::kLine:
                break;
        }
        spdlog::trace("<- {}", line);
        return Event::kLine;
    }

    /// The pid that GO names, if it may be signalled. The manager is root, often through a NOPASSWD sudo rule:
    /// a plain user could otherwise name any process (pid 1...) for the SIGINT relay. A non-root peer may only
    /// name itself (SO_PEERCRED of the socketpair); a root peer may name any process.
    pid_t trusted_client_pid(pid_t claimed) const {
        ucred peer{};
        socklen_t len = sizeof peer;
        if (getsockopt(in_fd_, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
            spdlog::debug("no peer credentials on the client socket: SIGINT will not be relayed");
            return 0;
        }
        if (peer.uid == 0 || peer.pid == claimed) return claimed;
        spdlog::warn("GO names pid {}, but the client is pid {} (uid {}): relaying SIGINT to pid {} instead",
                     claimed, peer.pid, peer.uid, peer.pid);
        return peer.pid;
    }

    /// ROUTES, rules, NSLIST, nameservers, PORTS, GO; anything else is a ProtocolError.
    Event read_order(InstallOrder& order) {
        std::string line;
        Event event = next_line(line);
        if (event != Event::kLine) return event;
        if (line != kRoutesLine) throw ProtocolError("expected ROUTES, got '" + line + "'");
        while ((event = next_line(line)) == Event::kLine && line != kNslistLine)
            order.routes.push_back(parse_route(line));
        if (event != Event::kLine) return event;
        while ((event = next_line(line)) == Event::kLine && !line.starts_with("PORTS "))
            order.nameservers.push_back(parse_nameserver(line));
        if (event != Event::kLine) return event;
        order.ports = parse_ports(line);
        if ((event = next_line(line)) != Event::kLine) return event;
        order.go = parse_go(line);
        client_pid_ = trusted_client_pid(order.go.client_pid);
        return Event::kLine;
    }

    void install(const std::vector<plugin::FirewallRequest>& requests) {
        std::string why = unsupported_reason(requests, backend_.name(), backend_.features());
        if (!why.empty()) throw std::runtime_error(why);
        for (const auto& request : requests) {
            const char* family = family_name(request.family);
            touched_.push_back(request);  // before setup: a half-done setup is rolled back too
            // No restore() first: setup removes stale rules of the same port itself (the ABI's contract).
            spdlog::debug("setting up {} rules: port {}, DNS port {}, {} rules, {} nameservers", family, request.port,
                          request.dns_port, request.subnets.size(), request.nameservers.size());
            try {
                backend_.setup(request);
            } catch (const std::exception& e) {
                throw std::runtime_error(std::string(family) + " setup with method '" + backend_.name() +
                                         "' failed: " + e.what());
            }
        }
    }

    /// After STARTED: HOST lines until EOF or a signal.
    Event serve() {
        std::string line;
        Event event;
        while ((event = next_line(line)) == Event::kLine) {
            if (!line.starts_with("HOST ")) throw ProtocolError("unexpected line '" + line + "'");
            hosts_.push_back(parse_host(line));
            // Applying them to /etc/hosts (--auto-hosts) is not implemented yet; keep and log them.
            spdlog::debug("host {} is {}", hosts_.back().name, address_text(hosts_.back().ip));
        }
        return event;
    }

    int finish(Event event) {
        if (event == Event::kSignal) {
            int signo = signals_.take_signal();
            spdlog::info("got signal {}: stopping", signo);
            // The client owns the session; SIGINT makes it shut down as if Ctrl+C had reached it.
            if (client_pid_ > 0 && kill(client_pid_, SIGINT) != 0)
                spdlog::debug("could not relay SIGINT to client pid {}", client_pid_);
        } else {
            spdlog::debug("client closed the connection");
        }
        return restore_touched() ? 0 : 1;
    }

    /// IPv6 then IPv4 (the setup order), each failure logged on its own.
    bool restore_touched() noexcept {
        bool all_ok = true;
        for (const auto& request : touched_) {
            try {
                spdlog::debug("restoring {} rules", family_name(request.family));
                backend_.restore(request);
            } catch (const std::exception& e) {
                spdlog::error("restoring {} rules failed: {}", family_name(request.family), e.what());
                all_ok = false;
            }
        }
        touched_.clear();
        return all_ok;
    }

    void send(const std::string& line) {
        spdlog::trace("-> {}", line.substr(0, line.size() - 1));
        write_all(out_fd_, line);
    }

    void send_error(const std::string& text) noexcept {
        try {
            write_all(out_fd_, format_error(text));
        } catch (const std::exception&) {
            // The client is gone: it has nobody to show the reason to; it was logged already.
        }
    }

    FirewallBackend& backend_;
    LineReader reader_;
    int in_fd_;
    int out_fd_;
    SignalRelay& signals_;
    pid_t client_pid_ = 0;
    std::vector<plugin::FirewallRequest> touched_;  // requests whose setup was attempted, in order
    std::vector<HostEntry> hosts_;
};

}  // namespace

int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals) {
    Session session(backend, in_fd, out_fd, signals);
    return session.run();
}

}  // namespace sshuttle::fwmgr
