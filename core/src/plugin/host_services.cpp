// SPDX-License-Identifier: LGPL-2.1-or-later
// The services lent to plugins (sshuttle_host_v1): logging into spdlog and running commands.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/shell_quote.hpp"
#include "plugin/plugins.hpp"
#include "util/process.hpp"

namespace sshuttle::plugin {
namespace {

spdlog::level::level_enum spdlog_level(int level) {
    switch (level) {
        case SSHUTTLE_LOG_TRACE: return spdlog::level::trace;
        case SSHUTTLE_LOG_DEBUG: return spdlog::level::debug;
        case SSHUTTLE_LOG_WARN: return spdlog::level::warn;
        case SSHUTTLE_LOG_ERROR: return spdlog::level::err;
        default: return spdlog::level::info;  // SSHUTTLE_LOG_INFO and anything unknown
    }
}

void fill_error(sshuttle_error* err, const std::string& message) {
    if (err == nullptr) return;
    err->sys_errno = 0;
    std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
}

}  // namespace

HostServices::HostServices(bool dry_run) : dry_run_(dry_run) {}

const sshuttle_host_v1* HostServices::abi_for(const std::string& plugin_name) const {
    std::unique_ptr<Binding>& binding = bindings_[plugin_name];
    if (!binding) {
        binding = std::make_unique<Binding>();
        binding->services = const_cast<HostServices*>(this);
        binding->plugin_name = plugin_name;
        binding->abi.struct_size = sizeof binding->abi;
        binding->abi.ctx = binding.get();
        binding->abi.log = &HostServices::log_cb;
        binding->abi.run = &HostServices::run_cb;
        binding->abi.dry_run = dry_run_ ? 1 : 0;
    }
    return &binding->abi;
}

void HostServices::log_cb(void* ctx, int level, const char* message) {
    const auto* binding = static_cast<const Binding*>(ctx);
    const char* text = message != nullptr ? message : "";
    if (binding->plugin_name.empty())
        spdlog::log(spdlog_level(level), "{}", text);
    else
        spdlog::log(spdlog_level(level), "[{}] {}", binding->plugin_name, text);
}

int HostServices::run_cb(void* ctx, const char* const* argv, const char* stdin_text,
                         void (*out)(void*, const char*, size_t), void* out_ctx, sshuttle_error* err) {
    const auto* binding = static_cast<const Binding*>(ctx);
    std::vector<std::string> args;
    for (size_t i = 0; argv != nullptr && argv[i] != nullptr; ++i) args.emplace_back(argv[i]);
    if (args.empty()) {
        fill_error(err, "empty command");
        return SSHUTTLE_EINVAL;
    }
    std::string command = common::join_shell_words(args);
    HostServices& services = *binding->services;
    if (services.dry_run_) {
        services.recorded_.push_back(stdin_text != nullptr && *stdin_text != '\0' ? command + "\n" + stdin_text
                                                                                  : command);
        return 0;
    }
    // Checked here so that a missing tool is an error the plugin can report, not an anonymous exit status 127.
    if (util::find_program(args[0]).empty()) {
        fill_error(err, "command not found: '" + args[0] + "'");
        return SSHUTTLE_ECOMMAND;
    }
    spdlog::debug("{}running: {}", binding->plugin_name.empty() ? "" : "[" + binding->plugin_name + "] ", command);
    std::string input = stdin_text != nullptr ? stdin_text : "";
    util::RunResult result = util::run_command(args, stdin_text != nullptr ? &input : nullptr);
    if (result.exit_status < 0) {
        fill_error(err, "cannot run '" + command + "': " + result.error);
        return SSHUTTLE_ECOMMAND;
    }
    if (out != nullptr && !result.output.empty()) out(out_ctx, result.output.data(), result.output.size());
    return result.exit_status;
}

}  // namespace sshuttle::plugin
