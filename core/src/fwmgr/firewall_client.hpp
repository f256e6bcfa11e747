// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's handle on the firewall manager. Synchronous on purpose: the client calls start() first thing
// (so a sudo password prompt comes early), install() once the server's routes have arrived, send_host() as
// hosts are learnt, and close() on the way out; none of it runs inside the event loop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "fwmgr/line_channel.hpp"
#include "fwmgr/line_protocol.hpp"

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
    void start(const cli::Options& options);
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

    /// Tells the manager one --auto-hosts entry. A name too long for one line is logged and skipped.
    void send_host(const std::string& name, const net::IpAddress& ip);

    /// QUERY_PF_NAT (methods with SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER, i.e. pf): the original destination of
    /// an accepted connection from `src` (the peer) to `dst` (our listener), looked up by the root manager.
    /// Blocks for the one-line answer, as upstream does. nullopt with `why` set on QUERY_PF_NAT_FAILURE; throws
    /// FirewallError when the manager is not running, has gone, or answers anything else.
    std::optional<net::Endpoint> query_nat(const net::Endpoint& src, const net::Endpoint& dst, std::string& why);

    /// Closes the socket, which makes the manager restore the rules and exit, and waits up to grace for it;
    /// then SIGTERM, and keeps waiting (never SIGKILL: it may be removing rules). Returns its exit status
    /// (128+signal when killed), or -1 when it
    /// was not running.
    int close(std::chrono::milliseconds grace = std::chrono::seconds(10));

   private:
    std::string read_reply(const char* expecting);
    [[noreturn]] void fail_with_exit(const std::string& what);
    bool wait_for_eof(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int fd_ = -1;
    std::unique_ptr<LineReader> reader_;
    std::string method_;
};

}  // namespace sshuttle::fwmgr
