// SPDX-License-Identifier: LGPL-2.1-or-later
// `sshuttle status [--json] [--pid N | --socket PATH]`: asks running clients over their control sockets and
// prints what they answer. Without --pid/--socket it looks for every client this user can reach
// (control_socket.hpp): one is shown in full; several are listed one line each (with --json: all in full, as
// a JSON array). Exit status: 0 shown, 1 nothing found or the client's answer was an error, 2 usage.
#pragma once

#include <sys/types.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace sshuttle::app::status {

struct StatusArgs {
    bool json = false;
    std::optional<pid_t> pid;
    std::string socket;  // empty = find it
    bool help = false;
};

/// Parses the arguments after "status"; throws cli::UsageError naming the bad one.
StatusArgs parse_status_args(const std::vector<std::string>& args);

/// Sends one request line to a control socket and returns the reply line; nullopt with `error` ("<path>:
/// Permission denied") when the socket cannot be reached or does not answer within a few seconds.
std::optional<std::string> ask_control_socket(const std::string& path, const std::string& request,
                                              std::string& error);

int run_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sshuttle::app::status
