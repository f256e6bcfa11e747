// SPDX-License-Identifier: LGPL-2.1-or-later
// The manager's signal handling: SIGHUP and SIGPIPE are ignored (the terminal or the client going away must
// not kill the process that has to remove the rules); SIGINT and SIGTERM are turned into a readable byte on a
// self-pipe, so the blocking protocol loop notices them in poll() and can relay and restore.
#pragma once

#include <csignal>

namespace sshuttle::fwmgr {

class SignalRelay {
   public:
    /// Installs the handlers; throws std::system_error when the pipe cannot be made.
    SignalRelay();
    /// Puts the previous dispositions back and closes the pipe.
    ~SignalRelay();
    SignalRelay(const SignalRelay&) = delete;
    SignalRelay& operator=(const SignalRelay&) = delete;

    /// Readable once SIGINT or SIGTERM has arrived.
    int wake_fd() const { return pipe_[0]; }
    /// The first signal that arrived, 0 if none (reads the pipe).
    int take_signal();

   private:
    int pipe_[2] = {-1, -1};
    struct sigaction old_int_ = {};
    struct sigaction old_term_ = {};
    struct sigaction old_hup_ = {};
    struct sigaction old_pipe_ = {};
};

}  // namespace sshuttle::fwmgr
