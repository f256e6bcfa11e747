// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/root_view.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "plugin/module.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::plugin {
namespace {

constexpr int kProbeTimeoutMs = 20000;  // a probe runs a few tool commands; never wait for ever

bool write_file(const char* path, const std::string& text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    return ok;
}

// Tabs and newlines would break the line format between child and parent.
std::string flat(std::string text) {
    for (char& c : text)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return text;
}

[[noreturn]] void child(int out, const std::vector<std::shared_ptr<Module>>& modules) {
    const uid_t uid = getuid();
    const gid_t gid = getgid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, STDERR_FILENO);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) _exit(2);
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        _exit(3);
    HostServices host(false);
    std::ostringstream lines;
    for (const auto& module : modules) {
        try {
            if (!module->has_firewall()) continue;
            FirewallPlugin firewall(module, module->firewall_table(), host);
            std::string reason;
            bool usable = firewall.is_supported(reason);
            lines << (usable ? 1 : 0) << '\t' << flat(reason) << '\t' << module->file().string() << '\n';
        } catch (const std::exception&) {
            // Not creatable: the parent's own description reports it.
        }
    }
    const std::string text = lines.str();
    _exit(write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 4);
}

}  // namespace

std::optional<std::map<std::filesystem::path, RootProbe>> probe_as_root(
    const std::vector<std::shared_ptr<Module>>& modules) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        close(pipe_fds[0]);
        child(pipe_fds[1], modules);
    }
    close(pipe_fds[1]);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kProbeTimeoutMs);
    bool timed_out = false;
    char buf[4096];
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd pfd{pipe_fds[0], POLLIN, 0};
        if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
            timed_out = true;
            break;
        }
        ssize_t n = read(pipe_fds[0], buf, sizeof buf);
        if (n > 0) text.append(buf, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    close(pipe_fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    std::map<std::filesystem::path, RootProbe> probes;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto tab1 = line.find('\t');
        const auto tab2 = line.find('\t', tab1 + 1);
        if (tab1 == std::string::npos || tab2 == std::string::npos) continue;
        probes[line.substr(tab2 + 1)] = RootProbe{line.substr(0, tab1) == "1", line.substr(tab1 + 1, tab2 - tab1 - 1)};
    }
    return probes;
}

}  // namespace sshuttle::plugin
