// SPDX-License-Identifier: LGPL-2.1-or-later
// Logging: spdlog, set up once per process. Use spdlog::info/warn/... directly everywhere.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace sshuttle::util {

/// -v count to level: 0 info, 1 debug, 2+ trace.
spdlog::level::level_enum level_from_verbosity(int verbose);

/// Configures the default logger: stderr with a role prefix ("c" client, "s" server, "fw" manager), or
/// syslog (daemon facility, tag "sshuttle") when to_syslog is set.
void setup_logging(const std::string& role, int verbose, bool to_syslog);

/// Adds stderr to the default logger's sinks (a daemon starting up logs to syslog *and* the terminal, so a
/// start-up failure is seen where the command was typed). No-op when stderr is already one of them.
void also_log_to_stderr(const std::string& role);

/// Removes the stderr sink again (a daemon once it has detached from the terminal).
void stop_logging_to_stderr();

}  // namespace sshuttle::util
