// SPDX-License-Identifier: LGPL-2.1-or-later
// Child processes: run a command to completion, or start one whose stdin and stdout are one end of a
// socketpair (how the client talks to the firewall manager, ssh, and a local server).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>


namespace sshuttle::util {

/// PATH plus the sbin directories, so iptables & co are found when run by a plain user's sudo.
std::string search_path();

/// Finds argv0 in search_path(); returns it unchanged when it contains a '/'; empty when not found.
std::string find_program(const std::string& name);

struct RunResult {
    int exit_status = -1;  // exit code, or 128+signal
    std::string output;    // stdout (when captured)
    std::string error;     // why it could not run at all (then exit_status is -1)
};

/// Runs argv with stdin_text on its standard input (none when nullptr), stdout captured, stderr inherited,
/// environment LC_ALL=C and the search_path(). Blocks until the command exits.
RunResult run_command(const std::vector<std::string>& argv, const std::string* stdin_text = nullptr);

/// A started child with one end of a socketpair as both its stdin and stdout.
struct Child {
    pid_t pid = -1;
    int fd = -1;  // our end, close-on-exec, blocking
};

/// Starts argv (looked up like find_program) with a socketpair on its stdin/stdout; stderr is inherited.
/// before_exec runs in the child just before exec (e.g. setsid). Throws std::runtime_error on failure.
Child spawn_with_socketpair(const std::vector<std::string>& argv,
                            const std::function<void()>& before_exec = nullptr);

/// Waits for pid; returns its exit code or 128+signal. Non-blocking when nohang (returns -1 if running).
int wait_child(pid_t pid, bool nohang = false);

}  // namespace sshuttle::util
