// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>

#include "util/exit_status.hpp"
#include "util/log.hpp"
#include "util/pidfile.hpp"
#include "util/syslog_forwarder.hpp"

namespace sshuttle::util {
namespace {

constexpr char kReadyByte = 'R';

// The child's end of the start-up socketpair; -1 outside the daemon or once it has reported.
int g_ready_fd = -1;

int exit_status_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return kExitFatal;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

/// Copies one chunk from `from` to our stderr; false at end of stream.
bool copy_chunk(int from) {
    char buf[4096];
    ssize_t got;
    do {
        got = read(from, buf, sizeof buf);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return false;
    write_all(STDERR_FILENO, buf, static_cast<std::size_t>(got));
    return true;
}

/// The parent while the child starts: copies the child's stderr (its log lines, and those of ssh and the
/// firewall manager, which inherited it) to our terminal. True once the child reported ready; false when the
/// ready pipe closed without that byte (the child exited).
bool relay_until_ready(int ready_fd, int err_fd) {
    bool err_open = true;
    for (;;) {
        pollfd fds[2] = {{ready_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
        if (poll(fds, err_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        // Stderr first: whatever the child wrote before it said ready is shown before we exit.
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) err_open = copy_chunk(err_fd);
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char byte = 0;
            ssize_t got = read(ready_fd, &byte, 1);
            if (got < 0 && errno == EINTR) continue;
            if (got == 1 && byte == kReadyByte) {
                while (err_open && poll(fds + 1, 1, 0) > 0 && copy_chunk(err_fd)) {
                }
                return true;
            }
            return false;
        }
    }
}

/// After a failed start: the rest of the child's stderr, until every writer is gone (the firewall manager
/// may still be reporting its clean-up) or it stays silent for a while (a writer that does not go away).
void drain_after_failure(int err_fd) {
    constexpr int kSilenceMs = 3000;
    pollfd fd{err_fd, POLLIN, 0};
    while (poll(&fd, 1, kSilenceMs) > 0 && copy_chunk(err_fd)) {
    }
}

int wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return kExitFatal;
    }
    return exit_status_of(status);
}

/// stdin and stdout; stderr already is the pipe to the parent, and then to the syslog forwarder.
void redirect_stdin_stdout_to_dev_null() {
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        spdlog::warn("cannot open /dev/null: {}", std::strerror(errno));
        return;
    }
    for (int fd : {STDIN_FILENO, STDOUT_FILENO}) dup2(null_fd, fd);  // dup2 clears CLOEXEC
    if (null_fd > STDERR_FILENO) close(null_fd);
}

int run_child(PidFile& pidfile, int ready_fd, const std::function<int()>& body) {
    pidfile.adopt();
    g_ready_fd = ready_fd;
    try {
        return body();
    } catch (const std::exception& e) {
        // Before detaching, stderr is still the terminal: let the caller print it as every error is printed.
        if (g_ready_fd >= 0) throw;
        spdlog::error("fatal: {}", e.what());
        return kExitFatal;
    }
}

}  // namespace

int run_as_daemon(const std::string& pidfile_path, const std::function<int()>& body) {
    std::optional<PidFile> pidfile;
    try {
        pidfile.emplace(pidfile_path, getpid());
    } catch (const PidFileBusy& e) {
        std::cerr << "sshuttle: " << e.what() << "\n";
        return kExitDaemonRunning;
    } catch (const PidFileError& e) {
        std::cerr << "sshuttle: " << e.what() << "\n";
        return kExitFatal;
    }

    // ready: a socketpair (the parent answers the child's ready byte), close-on-exec, so that only the child
    // holds its end (not the manager, ssh or a local server, or the parent would wait for them too).
    // err: becomes the child's stderr, inherited by all of them.
    int ready_fds[2];
    int err_fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ready_fds) != 0 || pipe2(err_fds, O_CLOEXEC) != 0) {
        std::cerr << "sshuttle: pipe: " << std::strerror(errno) << "\n";
        return kExitFatal;
    }
    std::cout.flush();
    std::cerr.flush();
    const pid_t child = fork();
    if (child < 0) {
        std::cerr << "sshuttle: fork: " << std::strerror(errno) << "\n";
        return kExitFatal;
    }
    if (child == 0) {
        close(ready_fds[0]);
        close(err_fds[0]);
        dup2(err_fds[1], STDERR_FILENO);  // clears close-on-exec: children inherit it
        close(err_fds[1]);
        return run_child(*pidfile, ready_fds[1], body);
    }

    close(ready_fds[1]);
    close(err_fds[1]);
    try {
        pidfile->rewrite(child);
    } catch (const PidFileError& e) {
        std::cerr << "sshuttle: " << e.what() << "\n";
        kill(child, SIGTERM);  // it restores whatever it has started
        wait_for(child);
        close(ready_fds[0]);
        close(err_fds[0]);
        return kExitFatal;
    }
    const bool ready = relay_until_ready(ready_fds[0], err_fds[0]);
    if (ready) {
        start_syslog_forwarder(err_fds[0]);
        close(err_fds[0]);
        close(ready_fds[0]);  // the child waits for this: nothing it writes from now on reaches the terminal
        pidfile->disown();  // the daemon removes it when it exits
        return 0;
    }
    close(ready_fds[0]);
    const int status = wait_for(child);
    drain_after_failure(err_fds[0]);
    close(err_fds[0]);
    pidfile->remove();  // in case the child was killed before it could
    pidfile->disown();
    return status == 0 ? kExitFatal : status;  // it never said ready: never report success
}

bool daemon_detach_pending() { return g_ready_fd >= 0; }

void daemon_ready() {
    if (g_ready_fd < 0) return;
    // A new session without a controlling terminal: closing the terminal or Ctrl+C there no longer reaches us.
    if (setsid() < 0) spdlog::warn("setsid: {}", std::strerror(errno));
    if (chdir("/") != 0) spdlog::warn("chdir /: {}", std::strerror(errno));
    stop_logging_to_stderr();
    redirect_stdin_stdout_to_dev_null();
    char byte = kReadyByte;
    // The parent may be gone (killed while waiting): MSG_NOSIGNAL, and then the read below sees EOF at once.
    while (send(g_ready_fd, &byte, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
    // Until the parent has copied our stderr so far and handed it to the forwarder: what we write after this
    // goes to syslog only, never to the terminal.
    while (read(g_ready_fd, &byte, 1) < 0 && errno == EINTR) {
    }
    close(g_ready_fd);
    g_ready_fd = -1;
    spdlog::info("running as a daemon, pid {}", getpid());
}

}  // namespace sshuttle::util
