// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/ssh_config.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <stdexcept>

#include "common/proxy_jump.hpp"
#include "util/process.hpp"

namespace sshuttle::transport {

SshTarget parse_ssh_g(const std::string& output) {
    const SshGValues values = parse_ssh_g_values(output);
    const auto each = [&values](const char* key, const auto& take) {
        if (const auto it = values.find(key); it != values.end())
            for (const auto& value : it->second) take(value);
    };
    SshTarget target;
    each("hostname", [&](const std::string& v) { target.hostname = v; });
    each("proxyjump", [&](const std::string& v) {
        try {
            const auto hops = common::parse_proxy_jump(v);
            target.proxy_jump = hops.empty() ? "" : hops.front().host;
        } catch (const std::invalid_argument&) {
            // ssh refuses such a configuration before it connects anywhere: no address to keep out.
        }
    });
    each("proxycommand", [&](const std::string& v) { target.proxy_command |= v != "none"; });
    each("controlmaster", [&](const std::string& v) {
        target.shares_connection |= v != "false";
        target.master_asks = v == "ask" || v == "autoask";
    });
    each("controlpath", [&](const std::string& v) {
        target.shares_connection |= v != "none";
        target.control_path = v == "none" ? "" : v;  // ssh -G prints it with its %-tokens expanded
    });
    each("ciphers", [&](const std::string& v) { target.ciphers = v; });
    each("addressfamily", [&](const std::string& v) { target.address_family = v; });
    each("connecttimeout", [&](const std::string& v) {
        int seconds = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
        target.connect_timeout_s = ec == std::errc() && end == v.data() + v.size() && seconds > 0 ? seconds : 0;
    });
    each("tcpkeepalive", [&](const std::string& v) { target.tcp_keep_alive = v != "no"; });
    each("bindaddress", [&](const std::string&) { target.binds_locally = true; });
    each("bindinterface", [&](const std::string&) { target.binds_locally = true; });
    each("connectionattempts", [&](const std::string& v) { target.retries_connect = v != "1"; });
    return target;
}

bool run_with_timeout(const std::vector<std::string>& argv, int timeout_ms, std::string& output) {
    int out[2];
    if (argv.empty() || pipe2(out, O_CLOEXEC) != 0) return false;
    std::string program = util::find_program(argv[0]);
    if (program.empty()) {
        close(out[0]);
        close(out[1]);
        return false;
    }
    std::vector<char*> cargv;
    for (const auto& arg : argv) cargv.push_back(const_cast<char*>(arg.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(null, 2);
        execv(program.c_str(), cargv.data());
        _exit(127);
    }
    close(out[1]);
    if (pid < 0) {
        close(out[0]);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool timed_out = false;
    char buf[4096];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd pfd{out[0], POLLIN, 0};
        int n = poll(&pfd, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;  // the deadline check above ends the loop
        ssize_t r = read(out[0], buf, sizeof buf);
        if (r > 0) output.append(buf, static_cast<size_t>(r));
        else if (r == 0 || errno != EINTR) break;
    }
    close(out[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = util::wait_child(pid);
    return !timed_out && status == 0;
}

}  // namespace sshuttle::transport
