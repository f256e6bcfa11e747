// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/launch_failure.hpp"

#include "transport/exit_status.hpp"
#include "transport/remote_script.hpp"
#include "transport/server_helper.hpp"

namespace sshuttle::transport {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// " (last output: ...)" or nothing.
std::string output_suffix(const BootstrapLog& log) {
    std::string lines = log.last_lines();
    return lines.empty() ? "" : " (last output: " + lines + ")";
}

std::string marker_message(const BootstrapLog& log, int exit_status) {
    const std::string& error = log.error();
    if (starts_with(error, "platform ")) {
        return "the remote runs '" + error.substr(9) + "' but the server helper is built for '" + helper_platform() +
               "' and no Python fallback could run there: install python3 on the remote, or use --server-cmd to "
               "run a server installed there";
    }
    if (starts_with(error, "cachedir ")) {
        return "cannot write the remote cache directory '" + error.substr(9) + "'" + output_suffix(log) +
               ": set XDG_CACHE_HOME on the remote to a writable directory, or use --server-cmd";
    }
    if (starts_with(error, "private ")) {
        return "the remote cache directory '" + error.substr(8) + "' is not private to the remote user (it must be " +
               "theirs, mode 700)" + output_suffix(log) +
               ": fix its owner or mode, set XDG_CACHE_HOME on the remote to a private directory, or use --server-cmd";
    }
    if (starts_with(error, "checksum ")) {
        return "the server uploaded to the remote has SHA-256 " + error.substr(9) +
               " there, not the helper's: refusing to run it (the upload was altered on the way)" + output_suffix(log);
    }
    if (starts_with(error, "upload ")) {
        return "the server upload to the remote was cut short (" + error.substr(7) + " bytes arrived)" +
               output_suffix(log);
    }
    // An exec that fails makes sh exit 126 (permission, noexec mount) or 127 (vanished); 93 if the shell went on.
    if (!log.exec_path().empty() && (exit_status == util::kExitCannotExecute || exit_status == util::kExitNotFound ||
                                     exit_status == kExitExecFailed)) {
        return "cannot execute the uploaded server '" + log.exec_path() + "' on the remote (exit code " +
               std::to_string(exit_status) +
               "; is its file system mounted noexec?): set XDG_CACHE_HOME on the remote to a directory on another "
               "mount, or use --server-cmd";
    }
    return {};
}

}  // namespace

void BootstrapLog::add_line(const std::string& line) {
    const std::string error_prefix = std::string(kErrorMarker) + " ";
    const std::string exec_prefix = std::string(kExecMarker) + " ";
    if (starts_with(line, error_prefix)) {
        error_ = line.substr(error_prefix.size());
    } else if (starts_with(line, exec_prefix)) {
        exec_path_ = line.substr(exec_prefix.size());
    } else if (!line.empty()) {
        lines_.push_back(line);
        if (lines_.size() > kKeptLines) lines_.pop_front();
    }
}

std::string BootstrapLog::last_lines() const {
    std::string out;
    for (const auto& line : lines_) out += (out.empty() ? "" : " | ") + line;
    return out;
}

std::string launch_failure_message(LaunchKind kind, const std::string& what, const BootstrapLog& log,
                                   int exit_status) {
    if (kind == LaunchKind::kUpload) {
        if (std::string message = marker_message(log, exit_status); !message.empty()) return message;
    }
    std::string prefix = kind == LaunchKind::kLocal ? "the local server '" + what + "'" : "ssh " + what;
    if (exit_status == 127 && kind == LaunchKind::kUpload) {
        return prefix + ": /bin/sh or a command it needs is missing on the remote (exit code 127)" + output_suffix(log);
    }
    if (exit_status == 127 && kind == LaunchKind::kServerCmd) {
        return prefix + ": the --server-cmd command was not found on the remote (exit code 127)" + output_suffix(log);
    }
    return prefix + " ended before the server's sync header: " + describe_exit(exit_status) + output_suffix(log);
}

}  // namespace sshuttle::transport
