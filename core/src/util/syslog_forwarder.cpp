// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/syslog_forwarder.hpp"

#include <fcntl.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "common/untrusted_text.hpp"
#include "util/close_fds.hpp"
#include "util/log.hpp"

namespace sshuttle::util {
namespace {

constexpr std::size_t kMaxLine = 4096;

// Our own lines are printable already (a server's text is escaped before it is logged, and remote stderr comes
// through StderrRelay); anything else that reaches this pipe with a control byte is escaped, not logged raw.
void log_line(std::string_view line) {
    const bool printable = std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    syslog(LOG_INFO, "%s", printable ? std::string(line).c_str() : common::escape_untrusted(line).c_str());
}

}  // namespace

bool start_syslog_forwarder(int err_fd) {
    const pid_t pid = fork();
    if (pid != 0) {
        if (pid < 0) spdlog::warn("cannot start the stderr-to-syslog forwarder: {}", std::strerror(errno));
        return pid > 0;
    }
    // The pipe goes just above stderr (which /dev/null replaces below), and nothing else stays open: holding what
    // the parent had open (the daemon's readiness socket) would keep it open for as long as we run.
    const int keep = STDERR_FILENO + 1;
    if (err_fd != keep) {
        dup2(err_fd, keep);
        err_fd = keep;
    }
    close_fds_from(keep + 1);
    setsid();  // out of the terminal's session: no SIGHUP or Ctrl+C from it
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    (void)!chdir("/");  // not to keep a directory busy; nothing here uses a relative path
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null_fd, fd);
        if (null_fd > STDERR_FILENO) close(null_fd);
    }
    openlog("sshuttle", LOG_PID, LOG_DAEMON);
    std::string pending;
    char buf[4096];
    for (;;) {
        ssize_t got = read(err_fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // every writer is gone: the daemon and its children have exited
        pending.append(buf, static_cast<std::size_t>(got));
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
            if (nl > start) log_line(std::string_view(pending).substr(start, nl - start));
        }
        pending.erase(0, start);
        // Whatever writes here without ever ending its line must not grow this process without bound.
        if (pending.size() >= kMaxLine) {
            log_line(pending);
            pending.clear();
        }
    }
    if (!pending.empty()) log_line(pending);
    _exit(0);
}

bool forward_stderr_to_syslog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        spdlog::warn("cannot send stderr to syslog: pipe: {}", std::strerror(errno));
        return false;
    }
    std::cerr.flush();
    const bool started = start_syslog_forwarder(fds[0]);
    close(fds[0]);
    if (started) dup2(fds[1], STDERR_FILENO);  // clears close-on-exec: children inherit it
    close(fds[1]);
    return started;
}

}  // namespace sshuttle::util
