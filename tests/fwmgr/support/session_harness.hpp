// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs run_manager_session() in a thread on one end of a socketpair, with the test speaking for the client
// on the other end.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "fwmgr/line_channel.hpp"
#include "fwmgr/manager_session.hpp"
#include "support/recording_backend.hpp"

namespace sshuttle::fwmgr::testing {

class SessionHarness {
   public:
    SessionHarness() {
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) == 0);
        reader_ = std::make_unique<LineReader>(fds_[0], kMaxErrorLineBytes);  // as long as ERROR may be
    }
    ~SessionHarness() {
        if (thread_.joinable()) finish();
        close(fds_[0]);
        close(fds_[1]);
    }

    void start() {
        thread_ = std::thread([this] { status_ = run_manager_session(backend, fds_[1], fds_[1], signals_, options); });
    }
    /// The next line from the manager (a failed REQUIRE when the session ended instead).
    std::string next_line() {
        std::string line;
        REQUIRE(reader_->read_line(line) == LineReader::Status::kLine);
        return line;
    }
    void send(const std::string& text) { write_all(fds_[0], text); }
    /// Plays the client's EOF (unless the session ended already) and returns the session's exit status.
    int finish() {
        shutdown(fds_[0], SHUT_WR);
        thread_.join();
        return status_;
    }
    /// Waits for the session to end by itself (after an error or a signal).
    int join() {
        thread_.join();
        return status_;
    }

    RecordingBackend backend;
    SessionOptions options;  // the defaults: a root caller, no hosts file, no locks

   private:
    int fds_[2] = {-1, -1};
    SignalRelay signals_;
    std::unique_ptr<LineReader> reader_;
    std::thread thread_;
    int status_ = -1;
};

/// A process standing in for the client: it only waits to be signalled (default SIGINT action: die).
inline pid_t spawn_victim() {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        for (;;) pause();
    }
    return pid;
}

/// How pid ended: the signal that killed it, or -exit code.
inline int victim_end(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

}  // namespace sshuttle::fwmgr::testing
