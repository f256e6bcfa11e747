// SPDX-License-Identifier: LGPL-2.1-or-later
// The watcher against real files in a temp dir. Name lookups are the only stand-in: the machine's resolver
// knows nothing of test names (the e2e test covers getent for real).
#include "server/hostwatch.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>

#include "../util/temp_dir.hpp"

using namespace sshuttle::server;
using boost::asio::ip::address;
using boost::asio::ip::make_address;
using Clock = std::chrono::steady_clock;

namespace {

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A config that reads only files under dir and answers lookups from two tables, counting the calls.
struct Fixture {
    TempDir dir;
    std::map<std::string, std::vector<address>> forward_table;
    std::map<address, std::vector<std::string>> reverse_table;
    std::vector<std::string> forward_calls;
    std::vector<address> reverse_calls;
    std::vector<std::string> lines;

    HostwatchConfig config() {
        HostwatchConfig c;
        c.hosts_path = dir.path() + "/hosts";
        c.cache_path = dir.path() + "/cache/sshuttle/hosts";
        c.arp_path = dir.path() + "/arp";
        c.ipv6_neighbours = false;
        c.lookups.forward = [this](const std::string& name) {
            forward_calls.push_back(name);
            auto it = forward_table.find(name);
            return it == forward_table.end() ? std::vector<address>{} : it->second;
        };
        c.lookups.reverse = [this](const address& ip) {
            reverse_calls.push_back(ip);
            auto it = reverse_table.find(ip);
            return it == reverse_table.end() ? std::vector<std::string>{} : it->second;
        };
        return c;
    }
    HostWatcher::Emit emit() {
        return [this](const std::string& line) { lines.push_back(line); };
    }
};

}  // namespace

TEST_CASE("hostwatch: hosts file names, once each, with the first label; loopback and localhost dropped") {
    Fixture f;
    write_file(f.dir.path() + "/hosts",
               "127.0.0.1 localhost\n127.0.1.1 myself\n203.0.113.10 web.lab.example\n2001:db8::10 six\n");
    HostWatcher watcher(f.config(), f.emit());
    watcher.scan(Clock::now());
    CHECK(f.lines == std::vector<std::string>{"web.lab.example,203.0.113.10\n", "web,203.0.113.10\n",
                                              "six,2001:db8::10\n"});
    f.lines.clear();
    watcher.scan(Clock::now());
    CHECK(f.lines.empty());  // nothing changed: nothing announced again
    write_file(f.dir.path() + "/hosts", "203.0.113.11 web.lab.example\n");
    watcher.scan(Clock::now());
    CHECK(f.lines == std::vector<std::string>{"web.lab.example,203.0.113.11\n", "web,203.0.113.11\n"});
}

TEST_CASE("hostwatch: seeds are looked up forward, neighbours in reverse, again only after the interval") {
    Fixture f;
    f.forward_table["seed.example"] = {make_address("192.0.2.40"), make_address("2001:db8::40")};
    f.reverse_table[make_address("192.0.2.41")] = {"neighbour.example"};
    write_file(f.dir.path() + "/arp",
               "IP address HW type Flags HW address Mask Device\n192.0.2.41 0x1 0x2 02:00:00:00:00:01 * eth0\n");
    auto config = f.config();
    config.seed_hosts = {"seed.example"};
    HostWatcher watcher(config, f.emit());
    const auto start = Clock::now();
    watcher.scan(start);
    const std::set<std::string> got(f.lines.begin(), f.lines.end());
    CHECK(got == std::set<std::string>{"seed.example,192.0.2.40\n", "seed,192.0.2.40\n",
                                       "neighbour.example,192.0.2.41\n", "neighbour,192.0.2.41\n"});
    CHECK(std::count(f.forward_calls.begin(), f.forward_calls.end(), "seed.example") == 1);
    const auto reverse_count = f.reverse_calls.size();
    CHECK(reverse_count == 3);  // both seed addresses and the neighbour

    watcher.scan(start + std::chrono::seconds(60));
    CHECK(f.reverse_calls.size() == reverse_count);  // not due yet
    watcher.scan(start + config.lookup_interval + std::chrono::seconds(1));
    CHECK(f.reverse_calls.size() == 2 * reverse_count);
    CHECK(std::count(f.forward_calls.begin(), f.forward_calls.end(), "seed.example") == 2);
}

TEST_CASE("hostwatch: the cache is written privately and read by the next watcher first") {
    Fixture f;
    f.forward_table["slow.example"] = {make_address("198.51.100.7")};
    auto config = f.config();
    config.seed_hosts = {"slow.example"};
    {
        HostWatcher first(config, f.emit());
        first.scan(Clock::now());
    }
    CHECK(read_file(config.cache_path) == "slow,198.51.100.7\nslow.example,198.51.100.7\n");
    struct stat st {};
    REQUIRE(stat(config.cache_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(stat((f.dir.path() + "/cache/sshuttle").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    f.lines.clear();
    f.forward_table.clear();  // the lookup fails now: the name still comes from the cache
    HostWatcher second(config, f.emit());
    second.scan(Clock::now());
    CHECK(f.lines == std::vector<std::string>{"slow,198.51.100.7\n", "slow.example,198.51.100.7\n"});
}

TEST_CASE("hostwatch: run_hostwatch writes lines and ends when the peer closes") {
    Fixture f;
    write_file(f.dir.path() + "/hosts", "192.0.2.77 printer\n");
    auto config = f.config();
    config.rescan_interval = std::chrono::seconds(3600);  // only the peer's close can end the wait
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(run_hostwatch(config, fds[1], fds[1]));
    }
    close(fds[1]);
    std::string got;
    char buffer[256];
    while (got.find('\n') == std::string::npos) {
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        REQUIRE(n > 0);
        got.append(buffer, static_cast<std::size_t>(n));
    }
    CHECK(got == "printer,192.0.2.77\n");
    close(fds[0]);
    int status = -1;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
