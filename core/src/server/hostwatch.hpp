// SPDX-License-Identifier: LGPL-2.1-or-later
// The hostwatch (-H/--auto-hosts): finds names on the server's side and reports them as "name,ip\n" lines.
//
// Sources, as upstream's hostwatch: its own cache of earlier finds, the server's hosts file, forward lookups of
// the seed names (--seed-hosts and the server's own hostname) and reverse lookups of the neighbour table
// (/proc/net/arp, `ip -6 neigh`). Local sources are read again every rescan; a lookup is repeated only after
// lookup_interval (upstream: 15 minutes), because a reverse lookup can wait seconds for a dead nameserver.
// Lookups go through `getent`, so they follow the machine's own NSS setup even in the statically linked helper,
// whose glibc cannot load NSS modules safely.
//
// Everything here blocks; the server runs it in a child process (hostwatch_process.hpp), and `sshuttle
// --hostwatch` runs it alone on stdout for debugging.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sshuttle::server {

/// Name lookups; the defaults run getent.
struct HostLookups {
    std::function<std::vector<boost::asio::ip::address>(const std::string& name)> forward;
    std::function<std::vector<std::string>(const boost::asio::ip::address& ip)> reverse;
};

/// `getent ahosts NAME` and `getent hosts IP`; failures are empty answers.
HostLookups getent_lookups();

struct HostwatchConfig {
    std::vector<std::string> seed_hosts;       // looked up by name (plus the server's hostname)
    std::string hosts_path = "/etc/hosts";
    std::string cache_path = default_cache_path();  // empty = no cache
    std::string arp_path = "/proc/net/arp";    // empty = no IPv4 neighbours
    bool ipv6_neighbours = true;               // `ip -6 neigh show`
    std::chrono::seconds rescan_interval{30};
    std::chrono::seconds lookup_interval{15 * 60};
    HostLookups lookups = getent_lookups();

    /// $XDG_CACHE_HOME/sshuttle/hosts or ~/.cache/sshuttle/hosts. Not upstream's ~/.sshuttle.hosts: upstream
    /// reads that file as IPv4-only and would mangle the IPv6 lines we write. Empty without a home directory.
    static std::string default_cache_path();
};

/// The watcher's state: what was announced, which lookups are due. Single-threaded, blocking.
class HostWatcher {
   public:
    using Emit = std::function<void(const std::string& line)>;

    /// emit gets each new or changed "name,ip\n" line.
    HostWatcher(HostwatchConfig config, Emit emit);

    /// One pass over every source; lookups only when due at `now`.
    void scan(std::chrono::steady_clock::time_point now);

    /// What has been announced so far: name -> address text.
    const std::map<std::string, std::string>& known() const { return known_; }

   private:
    void found(const std::string& name, const boost::asio::ip::address& ip);
    void read_cache();
    void write_cache();
    void read_hosts_file();
    void read_neighbours();
    void run_due_lookups(std::chrono::steady_clock::time_point now);

    HostwatchConfig config_;
    Emit emit_;
    bool cache_read_ = false;
    bool cache_dirty_ = false;
    bool warned_full_ = false;
    std::map<std::string, std::string> known_;
    // Next time each lookup is due; a new name or address is due at once.
    std::map<std::string, std::chrono::steady_clock::time_point> forward_due_;
    std::map<boost::asio::ip::address, std::chrono::steady_clock::time_point> reverse_due_;
};

/// Scans forever, writing lines to out_fd, until peer_fd (when >= 0) reaches EOF or hangs up, or writing to
/// out_fd fails (the reader is gone). Returns 0 after EOF/hang-up, 1 after a write error.
int run_hostwatch(const HostwatchConfig& config, int out_fd, int peer_fd);

}  // namespace sshuttle::server
