// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/hostwatch.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "net/asio_address.hpp"
#include "server/hostwatch_parse.hpp"
#include "util/process.hpp"

namespace sshuttle::server {
namespace {

using boost::asio::ip::address;
using Clock = std::chrono::steady_clock;

// A bound on what one watcher announces: a huge hosts file must not flood the client's /etc/hosts.
constexpr std::size_t kMaxNames = 10000;

bool read_file(const std::string& path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    return true;
}

std::string getent(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"getent"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = util::run_command(argv);
    if (result.exit_status != 0) {
        // Exit status 2 is "not found", the common case; anything else is worth a line at -vv.
        if (result.exit_status != 2)
            spdlog::debug("hostwatch: 'getent {}' failed: {}", args.back(),
                          result.error.empty() ? "exit status " + std::to_string(result.exit_status) : result.error);
        return {};
    }
    return result.output;
}

std::string own_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

bool make_private_dirs(const std::string& path) {
    // Creates every missing parent of the cache file with mode 0700 (it lists the hosts this user talks to).
    for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        const std::string dir = path.substr(0, slash);
        if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
    return true;
}

}  // namespace

HostLookups getent_lookups() {
    HostLookups lookups;
    lookups.forward = [](const std::string& name) {
        // ahosts is getaddrinfo(): every address in preference order, one line per socket type.
        std::vector<address> addresses;
        std::set<address> seen;
        std::istringstream lines(getent({"ahosts", name}));
        for (std::string line; std::getline(lines, line);) {
            std::istringstream words(line);
            std::string first;
            words >> first;
            const auto ip = net::parse_address(first);
            if (ip && seen.insert(*ip).second) addresses.push_back(*ip);
        }
        return addresses;
    };
    lookups.reverse = [](const address& ip) {
        std::vector<std::string> names;
        for (const auto& entry : parse_hosts_text(getent({"hosts", ip.to_string()})))
            names.insert(names.end(), entry.names.begin(), entry.names.end());
        return names;
    };
    return lookups;
}

std::string HostwatchConfig::default_cache_path() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
        return std::string(xdg) + "/sshuttle/hosts";
    if (const char* home = std::getenv("HOME"); home && home[0] == '/') return std::string(home) + "/.cache/sshuttle/hosts";
    return {};
}

HostWatcher::HostWatcher(HostwatchConfig config, Emit emit) : config_(std::move(config)), emit_(std::move(emit)) {
    const auto now = Clock::now();
    for (const auto& seed : config_.seed_hosts) forward_due_.emplace(seed, now);
    if (auto self = own_hostname(); !self.empty()) forward_due_.emplace(self, now);
}

void HostWatcher::scan(Clock::time_point now) {
    if (!cache_read_) read_cache();  // first: names found by slow lookups in an earlier session come at once
    cache_read_ = true;
    read_hosts_file();
    read_neighbours();
    run_due_lookups(now);
    if (cache_dirty_) write_cache();
}

void HostWatcher::found(const std::string& name, const address& ip) {
    if (is_ignored_address(ip)) return;
    const std::string ip_text = ip.to_string();
    for (const auto& announced : names_to_announce(name)) {
        auto it = known_.find(announced);
        if (it != known_.end() && it->second == ip_text) continue;
        if (it == known_.end() && known_.size() >= kMaxNames) {
            if (!warned_full_) spdlog::warn("hostwatch: {} names found; ignoring any more", kMaxNames);
            warned_full_ = true;
            return;
        }
        known_[announced] = ip_text;
        cache_dirty_ = true;
        spdlog::debug("hostwatch: found {}: {}", announced, ip_text);
        emit_(announced + "," + ip_text + "\n");
    }
}

void HostWatcher::read_cache() {
    std::string text;
    if (config_.cache_path.empty() || !read_file(config_.cache_path, text)) return;
    for (const auto& entry : parse_cache_text(text))
        for (const auto& name : entry.names) found(name, entry.address);
    cache_dirty_ = false;  // nothing new to write back
}

void HostWatcher::write_cache() {
    cache_dirty_ = false;
    if (config_.cache_path.empty()) return;
    if (!make_private_dirs(config_.cache_path)) {
        spdlog::debug("hostwatch: cannot create the directory of '{}': {}", config_.cache_path, strerror(errno));
        return;
    }
    // A temp file and rename(): another server on the same account may be reading the cache right now.
    const std::string temp = config_.cache_path + "." + std::to_string(getpid()) + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        for (const auto& [name, ip] : known_) out << name << ',' << ip << '\n';
        if (!out.flush()) {
            spdlog::debug("hostwatch: cannot write '{}'", temp);
            unlink(temp.c_str());
            return;
        }
    }
    chmod(temp.c_str(), 0600);
    if (rename(temp.c_str(), config_.cache_path.c_str()) != 0) {
        spdlog::debug("hostwatch: cannot rename '{}': {}", temp, strerror(errno));
        unlink(temp.c_str());
    }
}

void HostWatcher::read_hosts_file() {
    std::string text;
    if (config_.hosts_path.empty() || !read_file(config_.hosts_path, text)) return;
    for (const auto& entry : parse_hosts_text(text))
        for (const auto& name : entry.names) found(name, entry.address);
}

void HostWatcher::read_neighbours() {
    std::vector<address> neighbours;
    std::string text;
    if (!config_.arp_path.empty() && read_file(config_.arp_path, text)) neighbours = parse_proc_net_arp(text);
    if (config_.ipv6_neighbours) {
        auto result = util::run_command({"ip", "-6", "neigh", "show"});
        if (result.exit_status == 0) {
            auto v6 = parse_ip_neigh(result.output);
            neighbours.insert(neighbours.end(), v6.begin(), v6.end());
        }
    }
    for (const auto& ip : neighbours)
        if (!is_ignored_address(ip)) reverse_due_.emplace(ip, Clock::time_point{});  // new ones are due at once
}

void HostWatcher::run_due_lookups(Clock::time_point now) {
    for (auto& [name, due] : forward_due_) {
        if (due > now) continue;
        due = now + config_.lookup_interval;
        const auto addresses = config_.lookups.forward(name);
        if (addresses.empty()) continue;
        found(name, addresses.front());  // the resolver's preferred address, as a client would connect to
        for (const auto& ip : addresses) reverse_due_.emplace(ip, Clock::time_point{});
    }
    for (auto& [ip, due] : reverse_due_) {
        if (due > now || is_ignored_address(ip)) continue;
        due = now + config_.lookup_interval;
        for (const auto& name : config_.lookups.reverse(ip)) found(name, ip);
    }
}

int run_hostwatch(const HostwatchConfig& config, int out_fd, int peer_fd) {
    bool write_failed = false;
    HostWatcher watcher(config, [&](const std::string& line) {
        if (write_failed) return;
        std::size_t done = 0;
        while (done < line.size()) {
            ssize_t n = write(out_fd, line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                write_failed = true;
                return;
            }
            done += static_cast<std::size_t>(n);
        }
    });
    while (true) {
        watcher.scan(Clock::now());
        if (write_failed) {
            spdlog::debug("hostwatch: the reader went away");
            return 1;
        }
        // Sleep until the next rescan, waking early when the server closes its end.
        pollfd pfd{peer_fd, POLLIN, 0};
        const int timeout_ms = static_cast<int>(std::chrono::milliseconds(config.rescan_interval).count());
        int ready = poll(&pfd, peer_fd >= 0 ? 1 : 0, timeout_ms);
        if (ready < 0 && errno != EINTR) return 1;
        if (ready > 0) {
            char byte;
            ssize_t n = recv(peer_fd, &byte, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || (pfd.revents & (POLLHUP | POLLERR))) return 0;
        }
    }
}

}  // namespace sshuttle::server
