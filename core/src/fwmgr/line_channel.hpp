// SPDX-License-Identifier: LGPL-2.1-or-later
// Blocking line I/O on the client <-> manager socket. Reading can be interrupted through a second fd (the
// manager's signal self-pipe), so a signal that arrives while blocked in a read is acted on at once.
#pragma once

#include <cstddef>
#include <string>

#include "fwmgr/line_protocol.hpp"

namespace sshuttle::fwmgr {

class LineReader {
   public:
    enum class Status { kLine, kEof, kWoken };

    /// Reads from fd (not owned). max_bytes counts the '\n'.
    explicit LineReader(int fd, size_t max_bytes = kMaxLineBytes) : fd_(fd), max_bytes_(max_bytes) {}

    /// Blocks until a whole line is there (stored in line without its '\n'), EOF (a partial last line is
    /// dropped: the peer died mid-write), or wake_fd (when >= 0) becomes readable; wake_fd is not read.
    /// Throws ProtocolError for a line longer than max_bytes, std::system_error for read errors.
    Status read_line(std::string& line, int wake_fd = -1);

    void set_max_bytes(size_t max_bytes) { max_bytes_ = max_bytes; }

    /// True when read_line would not block: a whole line is buffered, or the fd has something (data or EOF).
    bool input_waiting() const;

    /// Takes a whole line already read from the fd with an earlier one, without touching the fd.
    bool take_buffered_line(std::string& line);

   private:

    int fd_;
    size_t max_bytes_;
    std::string buffer_;
    bool eof_ = false;
};

/// Writes all of text to fd (a socket or a pipe) without raising SIGPIPE; throws std::system_error.
void write_all(int fd, const std::string& text);

}  // namespace sshuttle::fwmgr
