// SPDX-License-Identifier: LGPL-2.1-or-later
// Another party's stream of text (a remote server's stderr) shown line by line, each line escaped with
// escape_untrusted: the remote can neither repaint the terminal nor split one of its lines into several of ours.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sshuttle::common {

class UntrustedLineWriter {
   public:
    /// Lines go to `fd` (not owned). A line longer than max_line bytes is written in pieces of that size.
    explicit UntrustedLineWriter(int fd, std::size_t max_line = 4096) : fd_(fd), max_line_(max_line) {}

    /// Writes every line `bytes` completes (a "\r" before its "\n" is dropped); keeps the unfinished rest.
    void feed(std::string_view bytes);
    /// Writes what is left of an unterminated last line.
    void finish();
    /// The last complete line, escaped ("" before the first one).
    const std::string& last_line() const { return last_line_; }

   private:
    void emit(std::string_view line);

    int fd_;
    std::size_t max_line_;
    std::string partial_;
    std::string last_line_;
};

}  // namespace sshuttle::common
