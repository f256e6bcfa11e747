// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/manager_session.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/untrusted_text.hpp"
#include "fwmgr/hosts_file.hpp"
#include "fwmgr/instance_lock.hpp"
#include "fwmgr/line_channel.hpp"
#include "fwmgr/request_plan.hpp"
#include "net/host_name.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::fwmgr {
namespace {

enum class Event { kLine, kEof, kSignal };

// Names written in one rewrite at most; a bound so that a steady stream still reaches the file.
constexpr std::size_t kMaxHostBatch = 2000;

/// The method's preflight said no: a line for the user, which the client prints. The manager does not log it
/// too (unless the client is gone), so that it does not appear twice on the terminal both share.
class MethodRefusal : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class Session {
   public:
    Session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals, SessionOptions options)
        : backend_(backend),
          reader_(in_fd),
          in_fd_(in_fd),
          out_fd_(out_fd),
          signals_(signals),
          options_(std::move(options)) {}

    int run() {
        try {
            send(format_ready(backend_.name()));
            InstallOrder order;
            Event event = read_order(order);
            if (event != Event::kLine) return finish(event);
            if (std::string why = why_refused(order, options_.caller, options_.port_owners); !why.empty())
                throw std::runtime_error("refused: " + why);
            if (!options_.lock_dir.empty())
                locks_.emplace(options_.lock_dir, std::vector<uint16_t>{order.ports.tcp_v6, order.ports.tcp_v4,
                                                                        order.ports.dns_v6, order.ports.dns_v4});
            // Upstream's tag port: the IPv6 listener's, else the IPv4 one's; unique among running instances.
            const uint16_t tag_port = order.ports.tcp_v6 ? order.ports.tcp_v6 : order.ports.tcp_v4;
            if (!options_.hosts_path.empty()) {
                hosts_file_ = std::make_unique<HostsFile>(options_.hosts_path, tag_port);
                hosts_file_->keep_existing_names(!options_.caller.root);
            }
            if (cleanup_only_) return clean_up(plan_requests(order));
            install(plan_requests(order));
            order_ = order;
            send(std::string(kStartedLine) + "\n");
            return finish(serve());
        } catch (const MethodRefusal& e) {
            spdlog::debug("the method's preflight refused the order (the client shows why)");
            if (!send_error(e.what())) spdlog::error("{}", e.what());
            return undo();
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            send_error(e.what());
            return undo();
        }
    }

   private:
    /// After an error: undoes what was done; the exit status.
    int undo() {
        remove_hosts();
        restore_touched();
        return 1;
    }

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
        if (line != kRoutesLine)
            throw ProtocolError("expected ROUTES, got '" + common::escape_untrusted(line, net::kShownHostBytes) + "'");
        while ((event = next_line(line)) == Event::kLine && line != kNslistLine)
            order.routes.push_back(parse_route(line));
        if (event != Event::kLine) return event;
        while ((event = next_line(line)) == Event::kLine && !line.starts_with("PORTS "))
            order.nameservers.push_back(parse_nameserver(line));
        if (event != Event::kLine) return event;
        order.ports = parse_ports(line);
        if ((event = next_line(line)) != Event::kLine) return event;
        cleanup_only_ = line.starts_with(std::string(kCleanupKeyword) + " ");
        order.go = cleanup_only_ ? parse_cleanup(line) : parse_go(line);
        client_pid_ = trusted_client_pid(order.go.client_pid);
        return Event::kLine;
    }

    void install(const std::vector<plugin::FirewallRequest>& requests) {
        std::string why = unsupported_reason(requests, backend_.name(), backend_.features());
        if (!why.empty()) throw std::runtime_error(why);
        // Whatever the method needs besides its rules is checked for every family before any rule goes in, so
        // a refusal installs nothing and names all that is missing at once. Its line is the user's as it is.
        try {
            backend_.preflight(requests);
        } catch (const std::exception& e) {
            throw MethodRefusal(e.what());
        }
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

    /// After STARTED: HOST lines until EOF or a signal. HOST lines are collected while more input is waiting
    /// and written in one go, so a flood of names costs one rewrite per batch, not one per name.
    Event serve() {
        std::string line;
        Event event;
        std::vector<HostEntry> batch;
        while (true) {
            if (!batch.empty() && (batch.size() >= kMaxHostBatch || !reader_.input_waiting())) add_hosts(batch);
            if ((event = next_line(line)) != Event::kLine) break;
            if (line.starts_with(std::string(kNatQueryKeyword) + " ")) {
                add_hosts(batch);  // what came before the query is done before it is answered
                send(answer_nat_query(line));
                continue;
            }
            if (line == kRoutesUpdateLine) {
                add_hosts(batch);
                std::vector<net::Subnet> routes;
                while ((event = next_line(line)) == Event::kLine && line != kRoutesEndLine)
                    routes.push_back(parse_route(line));
                if (event != Event::kLine) break;
                send(update_routes(std::move(routes)));
                continue;
            }
            if (!line.starts_with("HOST "))
                throw ProtocolError("unexpected line '" + common::escape_untrusted(line, net::kShownHostBytes) + "'");
            // A bad name from the client is its problem, not a reason to drop everybody's capture.
            try {
                batch.push_back(parse_host(line));
            } catch (const ProtocolError&) {
                spdlog::error("refusing host line '{}': not <name>,<address>",
                              common::escape_untrusted(line, net::kShownHostBytes));
            }
        }
        add_hosts(batch);
        return event;
    }

    /// ROUTES_UPDATE: the same order with new routes, checked as GO was, then each family's rules replaced in
    /// one transaction of the method. The answer line; a failure leaves that family's previous rules in force.
    std::string update_routes(std::vector<net::Subnet> routes) {
        InstallOrder next = order_;
        next.routes = std::move(routes);
        if (std::string why = why_refused(next, options_.caller, options_.port_owners); !why.empty()) {
            spdlog::error("refusing the route update: {}", why);
            return format_update_failure("refused: " + why);
        }
        const std::vector<plugin::FirewallRequest> requests = plan_requests(next);
        // The ports did not change, so the families are the ones installed, in the same order.
        if (requests.size() != touched_.size()) return format_update_failure("the installed rules are not complete");
        const bool atomic = backend_.has_update();
        if (!atomic)
            spdlog::warn("method '{}' cannot replace its rules in one step (its plugin predates ABI 1.2): removing "
                         "and reinstalling them, so for a moment nothing is captured",
                         backend_.name());
        std::string failures;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const char* family = family_name(requests[i].family);
            spdlog::debug("updating {} rules: {} rules", family, requests[i].subnets.size());
            try {
                if (atomic) {
                    backend_.update(requests[i]);
                } else {
                    backend_.restore(touched_[i]);
                    reinstall(touched_[i], requests[i]);
                }
                touched_[i] = requests[i];
            } catch (const std::exception& e) {
                spdlog::error("{} rule update with method '{}' failed: {}", family, backend_.name(), e.what());
                failures += std::string(failures.empty() ? "" : "; ") + family + ": " + e.what();
            }
        }
        if (!failures.empty()) return format_update_failure(failures);
        order_ = std::move(next);
        spdlog::info("rules updated to the new route set ({} routes)", order_.routes.size());
        return std::string(kRoutesUpdatedLine) + "\n";
    }

    /// The fallback's second half: the new rules, or the old ones again when the new ones cannot go in.
    void reinstall(const plugin::FirewallRequest& old_request, const plugin::FirewallRequest& request) {
        try {
            backend_.setup(request);
        } catch (const std::exception& e) {
            try {
                backend_.setup(old_request);
            } catch (const std::exception& again) {
                throw std::runtime_error(std::string(e.what()) + "; putting the previous rules back failed too: " +
                                         again.what());
            }
            throw;
        }
    }

    /// A refused or unwritable name is logged and skipped: the tunnel itself is fine.
    void add_hosts(std::vector<HostEntry>& batch) {
        if (batch.empty()) return;
        for (const auto& host : batch)
            spdlog::debug("host {} is {}", common::escape_untrusted(host.name, net::kShownHostBytes),
                          host.ip.to_string());
        if (!options_.hosts_allowed) {
            if (!warned_hosts_not_allowed_)
                spdlog::warn("refusing host lines: the firewall manager was not started with --auto-hosts");
            warned_hosts_not_allowed_ = true;
        } else if (hosts_file_) {
            try {
                for (const auto& why : hosts_file_->add(batch)) spdlog::warn("{}", why);
            } catch (const std::exception& e) {
                spdlog::error("adding {} hosts: {}", batch.size(), e.what());
            }
        }
        batch.clear();
    }

    /// CLEANUP: restore what these requests describe (a dead manager's rules) and our hosts lines; RESTORED.
    int clean_up(const std::vector<plugin::FirewallRequest>& requests) {
        spdlog::info("removing the rules and hosts lines a previous firewall manager left for port {}",
                     requests.empty() ? 0 : requests.front().port);
        touched_ = requests;
        const bool rules_ok = restore_touched();
        const bool hosts_ok = remove_hosts();
        if (!rules_ok || !hosts_ok) {
            send_error("could not remove everything the previous firewall manager left (see its log)");
            return 1;
        }
        send(std::string(kRestoredLine) + "\n");
        return 0;
    }

    bool remove_hosts() noexcept {
        if (!hosts_file_) return true;
        bool ok = hosts_file_->remove_all();
        hosts_file_.reset();
        return ok;
    }

    /// The answer to one QUERY_PF_NAT line. A failed lookup is an answer, not a session error: the client then
    /// falls back to the listener's address, as upstream's does.
    std::string answer_nat_query(const std::string& line) {
        try {
            const NatQuery query = parse_nat_query(line);
            if ((backend_.features() & SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER) == 0)
                return format_nat_failure("method '" + backend_.name() + "' does not look up NAT states");
            if (!backend_.has_nat_lookup())
                return format_nat_failure("method '" + backend_.name() +
                                          "' declares NAT lookups but has no nat_lookup (plugin ABI 1.2)");
            std::string why;
            const std::optional<net::Endpoint> original = backend_.nat_lookup(query.proto, query.src, query.dst, why);
            if (!original) return format_nat_failure(why);
            spdlog::debug("NAT lookup {} -> {}: {}", query.src.to_string(), query.dst.to_string(),
                          original->to_string());
            return format_nat_success(*original);
        } catch (const std::exception& e) {
            return format_nat_failure(e.what());
        }
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
        const bool hosts_ok = remove_hosts();
        return restore_touched() && hosts_ok ? 0 : 1;
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

    /// False when the client is gone (it has nobody to show the reason to).
    bool send_error(const std::string& text) noexcept {
        try {
            write_all(out_fd_, format_error(text));
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }

    FirewallBackend& backend_;
    LineReader reader_;
    int in_fd_;
    int out_fd_;
    SignalRelay& signals_;
    pid_t client_pid_ = 0;
    std::vector<plugin::FirewallRequest> touched_;  // requests whose setup was attempted, in order
    InstallOrder order_;                            // what the rules in force were made from
    SessionOptions options_;
    bool cleanup_only_ = false;
    bool warned_hosts_not_allowed_ = false;
    std::optional<InstanceLocks> locks_;  // held until the session object goes, i.e. after the restore
    std::unique_ptr<HostsFile> hosts_file_;  // after STARTED, when HOST lines are written anywhere
};

}  // namespace

int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals,
                        const std::string& hosts_path) {
    SessionOptions options;
    options.hosts_path = hosts_path;
    return run_manager_session(backend, in_fd, out_fd, signals, options);
}

int run_manager_session(FirewallBackend& backend, int in_fd, int out_fd, SignalRelay& signals,
                        const SessionOptions& options) {
    Session session(backend, in_fd, out_fd, signals, options);
    return session.run();
}

}  // namespace sshuttle::fwmgr
