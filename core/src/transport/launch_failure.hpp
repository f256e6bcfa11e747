// SPDX-License-Identifier: LGPL-2.1-or-later
// Turning "the server never sent its header" into one line that says why: the bootstrap's marker lines, the
// last lines the remote printed, and the exit code of ssh / the local child.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace sshuttle::transport {

enum class LaunchKind { kUpload, kServerCmd, kLocal };

/// What the remote printed before the header (the UPLOAD request is handled by the launcher, not here).
class BootstrapLog {
   public:
    /// Records one line: a SSHUTTLE-ERROR / SSHUTTLE-EXEC marker, or ordinary output (the last few are kept).
    void add_line(const std::string& line);
    void note_upload() { uploaded_ = true; }

    bool uploaded() const { return uploaded_; }
    const std::string& error() const { return error_; }          // "platform Linux aarch64", "cachedir /x", ...
    const std::string& exec_path() const { return exec_path_; }  // the cached helper the script ran
    /// The kept lines joined by " | "; empty when there were none.
    std::string last_lines() const;

   private:
    static constexpr std::size_t kKeptLines = 3;
    bool uploaded_ = false;
    std::string error_;
    std::string exec_path_;
    std::deque<std::string> lines_;
};

/// The message for a server that ended before its header. what is the ssh destination (ssh kinds) or the local
/// command; exit_status is the child's exit code or 128+signal.
std::string launch_failure_message(LaunchKind kind, const std::string& what, const BootstrapLog& log,
                                   int exit_status);

}  // namespace sshuttle::transport
