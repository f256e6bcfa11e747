// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

namespace sshuttle::util {

spdlog::level::level_enum level_from_verbosity(int verbose) {
    // Upstream's log() always prints, debug1 needs -v, debug2/debug3 need -vv/-vvv.
    if (verbose <= 0) return spdlog::level::info;
    if (verbose == 1) return spdlog::level::debug;
    return spdlog::level::trace;
}

void setup_logging(const std::string& role, int verbose, bool to_syslog) {
    std::shared_ptr<spdlog::logger> logger;
    if (to_syslog) {
        logger = spdlog::syslog_logger_mt("sshuttle-" + role, "sshuttle", LOG_PID, LOG_DAEMON);
        logger->set_pattern(role + ": %v");
    } else {
        // Unsynchronised stderr: every process is single-threaded, and stderr must not be buffered.
        logger = std::make_shared<spdlog::logger>(role, std::make_shared<spdlog::sinks::stderr_sink_st>());
        logger->set_pattern(role + ": %v");
    }
    logger->set_level(level_from_verbosity(verbose));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace sshuttle::util
