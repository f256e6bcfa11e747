// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's handle on the firewall manager. start() and install() are synchronous on purpose: the client
// calls start() first thing (so a sudo password prompt comes early) and install() once the server's routes have
// arrived. From then on watch() puts the manager's socket into the client's event loop for the whole session:
// HOST lines are queued and sent when the socket takes them (the data plane never waits for the manager), and
// the manager going away (exited, killed, OOM-killed, or a line nobody asked for) ends the session with a
// clear reason instead of leaving a tunnel that silently stopped capturing. What a killed manager could not
// remove is removed by a fresh one (the same command line, so the same sudo rule): CLEANUP instead of GO.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fwmgr/line_channel.hpp"
#include "fwmgr/line_protocol.hpp"
#include "fwmgr/manager_config.hpp"

namespace sshuttle::fwmgr {

/// Any failure talking to the manager; the message is one line meant for the user.
class FirewallError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class FirewallClient {
   public:
    FirewallClient() = default;
    /// Closes the session (the manager restores the rules) if close() was not called.
    ~FirewallClient();
    FirewallClient(const FirewallClient&) = delete;
    FirewallClient& operator=(const FirewallClient&) = delete;

    /// Starts `sshuttle --firewall` (manager_command(), elevated unless root) and waits for READY.
    void start(const ManagerConfig& options);
    /// Starts exactly argv instead (tests, or a custom manager) and waits for READY. Up to 100 lines of
    /// junk before READY (sudo noise) are skipped; throws FirewallError with the manager's ERROR text, or
    /// its exit status when it dies first.
    void start_command(const std::vector<std::string>& argv);

    /// The method the manager chose (READY's argument).
    const std::string& method() const { return method_; }
    /// The manager's (or sudo's) pid; -1 when not running.
    pid_t pid() const { return pid_; }

    /// Sends ROUTES/NSLIST/PORTS/GO and waits for STARTED. Throws FirewallError with the manager's reason.
    void install(const std::vector<net::Subnet>& routes, const std::vector<net::IpAddress>& nameservers,
                 const Ports& ports, const GoFields& go);

    /// Watches the manager from io for the rest of the session (call after install()). When it goes away, a
    /// fresh manager removes what the old one may have left, then on_lost gets a one-line reason
    /// ("firewall manager exited with status 1", "... killed by signal 9"...), once.
    void watch(boost::asio::io_context& io, std::function<void(const std::string&)> on_lost);

    /// Tells the manager one --auto-hosts entry. A name too long for one line is logged and skipped. Once
    /// watch() runs the line is queued and sent from the event loop; never blocks then.
    void send_host(const std::string& name, const net::IpAddress& ip);

    /// QUERY_PF_NAT (methods with SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER, i.e. pf): the original destination of
    /// an accepted connection from `src` (the peer) to `dst` (our listener), looked up by the root manager.
    /// Blocks for the one-line answer, as upstream does. nullopt with `why` set on QUERY_PF_NAT_FAILURE; throws
    /// FirewallError when the manager is not running, has gone, or answers anything else.
    std::optional<net::Endpoint> query_nat(const net::Endpoint& src, const net::Endpoint& dst, std::string& why);

    /// ROUTES_UPDATE (after install()): the manager replaces the rules with ones made from `routes` (same
    /// nameservers, ports and GO), each family in one transaction of the method. Blocks for the one-line
    /// answer, like query_nat. Returns "" when the new rules are in force, else the manager's reason (the
    /// previous rules stay); throws FirewallError when the manager is not running, has gone, or answers
    /// anything else.
    std::string update_routes(const std::vector<net::Subnet>& routes);

    /// Closes the socket, which makes the manager restore the rules and exit, and waits up to grace for it;
    /// then SIGTERM, and keeps waiting (never SIGKILL: it may be removing rules). Returns its exit status
    /// (128+signal when killed), or -1 when it
    /// was not running.
    int close(std::chrono::milliseconds grace = std::chrono::seconds(10));

   private:
    struct Order {
        std::vector<net::Subnet> routes;
        std::vector<net::IpAddress> nameservers;
        Ports ports;
        GoFields go;
    };

    std::string read_reply(const char* expecting);
    void send_order(const Order& order, const std::string& last_line);
    void arm_read_watch();
    void flush_queue();
    void manager_lost(const std::string& what);
    void lost_by_line(const std::string& line);
    std::string clean_up_after(const Order& order);
    [[noreturn]] void fail_with_exit(const std::string& what);
    bool wait_for_eof(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int fd_ = -1;
    std::unique_ptr<LineReader> reader_;
    std::string method_;
    std::vector<std::string> argv_;        // how the manager was started (a fresh one cleans up after it)
    std::optional<Order> installed_;       // what install() asked for
    std::unique_ptr<boost::asio::posix::stream_descriptor> watcher_;  // fd_ in the loop; released, not closed
    std::function<void(const std::string&)> on_lost_;
    std::string queue_;                    // HOST lines not yet taken by the socket
    bool write_armed_ = false;
    bool lost_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // handlers check it: the loop may outlive us
};

}  // namespace sshuttle::fwmgr
