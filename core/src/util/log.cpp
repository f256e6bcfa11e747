// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <algorithm>

namespace sshuttle::util {
namespace {

using StderrSink = spdlog::sinks::stderr_sink_st;

bool is_stderr_sink(const spdlog::sink_ptr& sink) { return dynamic_cast<StderrSink*>(sink.get()) != nullptr; }

}  // namespace

spdlog::level::level_enum level_from_verbosity(int verbose) {
    // Upstream's log() always prints, debug1 needs -v, debug2/debug3 need -vv/-vvv.
    if (verbose <= 0) return spdlog::level::info;
    if (verbose == 1) return spdlog::level::debug;
    return spdlog::level::trace;
}

void setup_logging(const std::string& role, int verbose, bool to_syslog) {
    std::shared_ptr<spdlog::logger> logger;
    if (to_syslog) {
        // enable_formatting: without it the sink sends the bare message, without the role prefix.
        logger = spdlog::syslog_logger_mt("sshuttle-" + role, "sshuttle", LOG_PID, LOG_DAEMON,
                                          /*enable_formatting=*/true);
        // No end-of-line: syslog() takes one message, not a line.
        logger->set_formatter(
            std::make_unique<spdlog::pattern_formatter>(role + ": %v", spdlog::pattern_time_type::local, ""));
    } else {
        // Unsynchronised stderr: every process is single-threaded, and stderr must not be buffered.
        logger = std::make_shared<spdlog::logger>(role, std::make_shared<StderrSink>());
        logger->set_pattern(role + ": %v");
    }
    logger->set_level(level_from_verbosity(verbose));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

void also_log_to_stderr(const std::string& role) {
    auto& sinks = spdlog::default_logger()->sinks();
    if (std::any_of(sinks.begin(), sinks.end(), is_stderr_sink)) return;
    auto sink = std::make_shared<StderrSink>();
    sink->set_pattern(role + ": %v");
    sinks.push_back(sink);
}

void stop_logging_to_stderr() {
    auto& sinks = spdlog::default_logger()->sinks();
    std::erase_if(sinks, is_stderr_sink);
}

}  // namespace sshuttle::util
