// SPDX-License-Identifier: LGPL-2.1-or-later
// start_server: picks the mode, starts the child on a socketpair, answers the upload request and waits for the
// sync header. Blocking on purpose: nothing else can happen before the server is up (upstream does the same).
#include "transport/server_launch.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>

#include "transport/launch_failure.hpp"
#include "transport/remote_script.hpp"
#include "transport/server_args.hpp"
#include "transport/server_helper.hpp"
#include "transport/ssh_command.hpp"
#include "transport/sync_reader.hpp"
#include "util/process.hpp"
#include "util/shell_words.hpp"

namespace sshuttle::transport {

// Outside the anonymous namespace: PendingServer::State (external linkage) holds one.
struct LaunchPlan {
    LaunchKind kind = LaunchKind::kLocal;
    std::vector<std::string> argv;
    std::string what;         // for messages: ssh destination or local command
    std::string description;  // ServerLaunch::description
    std::string password;     // SSHPASS for sshpass, if any
    std::optional<ServerHelper> helper;
};

struct PendingServer::State {
    LaunchPlan plan;
    util::Child child;
};

namespace {

// Kills and reaps a child whose start failed, so no process outlives the error.
void abandon(int fd, pid_t pid) {
    if (fd >= 0) close(fd);
    if (server_alive(pid)) kill(pid, SIGTERM);
    util::wait_child(pid);
}

// Answers "SSHUTTLE-UPLOAD <hash> <size>" with the helper's bytes, after checking it asks for this helper.
void answer_upload(int fd, const std::string& line, const std::optional<ServerHelper>& helper, BootstrapLog& log) {
    std::istringstream words(line);
    std::string marker, hash;
    std::size_t size = 0;
    words >> marker >> hash >> size;
    if (!helper || hash != helper->hash || size != helper->content.size()) {
        throw TransportError("unexpected upload request from the remote: '" + line + "'");
    }
    spdlog::info("uploading the server helper ({} bytes) to the remote cache", size);
    log.note_upload();
    // If the remote has gone, the header never comes and its exit code explains why; nothing to do here.
    if (!send_all(fd, helper->content)) spdlog::debug("remote closed the connection during the upload");
}

LaunchPlan plan_over_ssh(const cli::Options& options) {
    LaunchPlan plan;
    const cli::Remote& remote = options.remote.value();
    plan.what = ssh_destination(remote) + (remote.port ? " (port " + std::to_string(remote.port) + ")" : "");
    plan.password = remote.password;
    std::string script;
    if (options.server_cmd.empty()) {
        if (!options.python.empty())
            spdlog::warn("--python '{}' is ignored: the Python server is not available yet; uploading the native one",
                         options.python);
        plan.kind = LaunchKind::kUpload;
        plan.helper = load_server_helper(server_helper_path());
        UploadSpec spec{plan.helper->hash, plan.helper->content.size(), helper_platform_pattern()};
        script = upload_script(spec, server_arguments(options, 0));
        plan.description = "ssh " + plan.what;
    } else {
        plan.kind = LaunchKind::kServerCmd;
        plan.description = "ssh " + plan.what + " (" + options.server_cmd + ")";
    }
    plan.argv = ssh_argv(options, remote_command(options, script));
    return plan;
}

LaunchPlan plan_local(const cli::Options& options, const LaunchParams& params) {
    LaunchPlan plan;
    plan.kind = LaunchKind::kLocal;
    std::vector<std::string> args = server_arguments(options, params.bypass_mark);
    if (options.server_cmd.empty()) {
        plan.argv = {params.self_exe};
        plan.argv.insert(plan.argv.end(), args.begin(), args.end());
        plan.what = params.self_exe + " --server";
    } else {
        plan.argv = {"/bin/sh", "-c", server_cmd_script(options.server_cmd, args)};
        plan.what = options.server_cmd;
    }
    plan.description = "local server";
    return plan;
}

std::unique_ptr<PendingServer::State> spawn_plan(LaunchPlan plan) {
    spdlog::debug("starting the server: {}", util::join_shell_words(plan.argv));
    auto state = std::make_unique<PendingServer::State>();
    try {
        std::string password = plan.password;
        state->child = util::spawn_with_socketpair(plan.argv, [password] {
            if (!password.empty()) setenv("SSHPASS", password.c_str(), 1);
        });
    } catch (const std::exception& e) {
        throw TransportError("cannot start '" + plan.argv[0] + "': " + e.what());
    }
    state->plan = std::move(plan);
    return state;
}

ServerLaunch wait_for_sync(const LaunchPlan& plan, util::Child child) {
    BootstrapLog log;
    bool ok = false;
    try {
        ok = read_sync_header(child.fd, [&](const std::string& line) {
            if (line.rfind(std::string(kUploadMarker) + " ", 0) == 0) {
                answer_upload(child.fd, line, plan.helper, log);
                return;
            }
            spdlog::debug("remote: {}", line);
            log.add_line(line);
        });
    } catch (...) {
        abandon(child.fd, child.pid);
        throw;
    }
    if (!ok) {
        // Closing our end first lets ssh see EOF and exit, so the wait below returns.
        close(child.fd);
        int exit_status = util::wait_child(child.pid);
        throw TransportError(launch_failure_message(plan.kind, plan.what, log, exit_status));
    }
    spdlog::debug("server is up ({}){}", plan.description, log.uploaded() ? ", helper uploaded" : "");
    return ServerLaunch{child.pid, child.fd, plan.description, log.uploaded()};
}

}  // namespace

PendingServer::PendingServer() = default;
PendingServer::PendingServer(PendingServer&&) noexcept = default;
PendingServer::~PendingServer() {
    // Never finished (the caller failed in between): no process may outlive the error.
    if (state_ && state_->child.pid > 0) abandon(state_->child.fd, state_->child.pid);
}

PendingServer launch_server(const cli::Options& options, const LaunchParams& params) {
    PendingServer pending;
    pending.state_ = spawn_plan(options.remote ? plan_over_ssh(options) : plan_local(options, params));
    return pending;
}

ServerLaunch finish_server(PendingServer pending) {
    auto state = std::move(pending.state_);
    return wait_for_sync(state->plan, state->child);
}

ServerLaunch start_server(const cli::Options& options, const LaunchParams& params) {
    return finish_server(launch_server(options, params));
}

}  // namespace sshuttle::transport
