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

}  // namespace sshuttle::util
