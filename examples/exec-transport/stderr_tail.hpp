// SPDX-License-Identifier: LGPL-2.1-or-later
// The child's stderr: passed on to our own stderr line by line (as ssh passes on the remote's), and the last
// line kept, because that is usually why a command failed ("error: pod not found").
//
// The plugin drains the pipe whenever the host calls it (every read, write and the once-a-second step), so a
// command that writes more than a pipe's worth of stderr between two calls waits at most until the next one.
#pragma once

#include <cstddef>
#include <string>

namespace sshuttle::exec_transport {

class StderrTail {
   public:
    /// fd: the non-blocking read end of the pipe (not owned). forward_fd: where lines go, -1 = nowhere.
    StderrTail(int fd, int forward_fd) : fd_(fd), forward_fd_(forward_fd) {}

    /// Reads what is there without blocking. Returns false once the pipe has reached end of file.
    bool drain();
    /// Drains until end of file (every writer has exited) or timeout_ms has passed.
    void drain_until_eof(int timeout_ms);
    /// The last non-empty line seen so far (a partial line counts once the pipe has ended).
    const std::string& last_line() const { return last_line_; }

   private:
    void take(const char* data, std::size_t size);
    void finish_line();

    int fd_;
    int forward_fd_;
    bool eof_ = false;
    std::string partial_;
    std::string last_line_;
};

}  // namespace sshuttle::exec_transport
