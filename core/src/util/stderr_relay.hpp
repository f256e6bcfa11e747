// SPDX-License-Identifier: LGPL-2.1-or-later
// The stderr of a child that carries another party's text (ssh, which passes on the remote server's stderr; a
// --server-cmd): a pipe read by a thread of its own, which shows each line escaped (UntrustedLineWriter).
#pragma once

#include <unistd.h>

#include <chrono>
#include <memory>

namespace sshuttle::util {

class StderrRelay {
   public:
    /// Lines go to out_fd (not owned). Throws std::system_error when no pipe or thread can be made.
    explicit StderrRelay(int out_fd);
    /// Closes our write end; the thread ends once every child holding the pipe has closed it too.
    ~StderrRelay();
    StderrRelay(const StderrRelay&) = delete;
    StderrRelay& operator=(const StderrRelay&) = delete;

    /// The pipe's write end (close-on-exec): a child gets it as its fd 2 by dup2 between fork and exec.
    int write_fd() const { return write_fd_; }
    /// Waits, up to `limit`, until everything written into the pipe so far has been shown. Called after a child
    /// has exited and before saying why, so that its last words come first.
    void drain(std::chrono::milliseconds limit) const;

    struct Shared;

   private:
    std::shared_ptr<Shared> shared_;  // also held by the thread, which may outlive this object
    int write_fd_ = -1;
};

/// The process's one relay to our own stderr, made on first use (and then kept for the life of the process, as
/// a connection master ssh left running may hold it); nullptr when it could not be made.
StderrRelay* process_stderr_relay();

}  // namespace sshuttle::util
