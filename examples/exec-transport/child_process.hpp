// SPDX-License-Identifier: LGPL-2.1-or-later
// The command the exec transport runs: its stdin and stdout are one end of a socketpair (so the plugin can
// read, write and half-close through a single pollable fd), its stderr is a pipe the plugin drains.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sshuttle::exec_transport {

class ChildProcess {
   public:
    /// Starts argv[0] (an absolute path) with the current environment plus `extra_env` (NAME=VALUE, replacing
    /// a variable of the same name). Throws sdk::Error(SSHUTTLE_ESYSTEM) naming the program when it fails.
    ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env);
    /// Closes the stream, then ends the child: it gets a moment to exit on its own (stdin EOF), then SIGTERM,
    /// then SIGKILL; it is always reaped.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Our end of the socketpair (non-blocking): the child's stdin and stdout.
    int stream_fd() const { return stream_fd_; }
    /// The read end of the child's stderr pipe (non-blocking).
    int stderr_fd() const { return stderr_fd_; }
    pid_t pid() const { return pid_; }

    /// The wait status once the child has exited (non-blocking).
    std::optional<int> poll_exit();
    /// Like poll_exit, waiting at most timeout_ms for the child to exit.
    std::optional<int> wait_exit(int timeout_ms);

   private:
    pid_t pid_ = -1;
    int stream_fd_ = -1;
    int stderr_fd_ = -1;
    std::optional<int> status_;
};

/// A wait status that no real one can be: the child was reaped by someone else.
inline constexpr int kStatusUnknown = -1;

/// "ended with exit status 3", "was killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace sshuttle::exec_transport
