// SPDX-License-Identifier: LGPL-2.1-or-later
// start_server: picks the mode, starts the child on a socketpair, answers the upload request and waits for the
// sync header. Blocking on purpose: nothing else can happen before the server is up (upstream does the same).
#include "transport/server_launch.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/shell_quote.hpp"
#include "common/untrusted_text.hpp"
#include "server_py/python_server.hpp"
#include "transport/child_server.hpp"
#include "transport/control_dir.hpp"
#include "transport/exit_status.hpp"
#include "transport/fast_cipher.hpp"
#include "transport/launch_failure.hpp"
#include "transport/libssh2_fit.hpp"
#include "transport/plugin_connection.hpp"
#include "transport/plugin_server.hpp"
#include "transport/shlex.hpp"
#include "transport/transport_choice.hpp"
#include "transport/remote_script.hpp"
#include "transport/server_args.hpp"
#include "transport/server_helper.hpp"
#include "transport/ssh_addresses.hpp"
#include "transport/ssh_command.hpp"
#include "transport/ssh_connect.hpp"
#include "transport/sync_reader.hpp"
#include "util/daemon.hpp"
#include "util/install_layout.hpp"
#include "util/process.hpp"
#include "util/stderr_relay.hpp"

namespace sshuttle::transport {

// Outside the anonymous namespace: PendingServer::State (external linkage) holds one.
struct LaunchPlan {
    LaunchKind kind = LaunchKind::kLocal;
    std::vector<std::string> argv;
    std::string what;         // for messages: ssh destination or local command
    std::string description;  // ServerConnection::description
    std::string password;     // SSHPASS for sshpass, if any
    std::optional<ServerHelper> helper;
    std::string transport;  // a transport plugin to try first; empty = spawn argv
    PluginTarget target;    // what the plugin connects to and runs
    bool may_fall_back = false;  // the plugin was not asked for by name: the ssh command may stand in
    std::vector<std::string> extra_argv;  // the ssh program for one more channel (connection sharing); empty = none
    std::string control_socket;  // the connection-sharing master's socket (ours or the configuration's); "" = none
};

struct PendingServer::State {
    LaunchPlan plan;
    util::Child child;
    std::shared_ptr<PluginConnection> plugin;  // set instead of child when a transport plugin connects
};

namespace {

constexpr std::size_t kMaxShownLine = 1024;  // a remote line kept for the log and error messages

// Kills and reaps a child whose start failed, so no process outlives the error.
void abandon(int fd, pid_t pid) {
    if (fd >= 0) close(fd);
    if (server_alive(pid)) kill(pid, SIGTERM);
    util::wait_child(pid);
}

// Answers "SSHUTTLE-UPLOAD <hash> <size>" with the helper's bytes, after checking it asks for this helper.
void answer_upload(const std::function<bool(const std::string&)>& send, const std::string& line,
                   const std::optional<ServerHelper>& helper, BootstrapLog& log) {
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
    if (!send(helper->content)) spdlog::debug("remote closed the connection during the upload");
}

// Answers "SSHUTTLE-UPLOAD-PY <hash> <size>" with the embedded Python server, after checking it asks for this one.
void answer_python_upload(const std::function<bool(const std::string&)>& send, const std::string& line) {
    std::istringstream words(line);
    std::string marker, hash;
    std::size_t size = 0;
    words >> marker >> hash >> size;
    const std::string_view source = server_py::python_server_source();
    if (hash != server_py::python_server_hash() || size != source.size()) {
        throw TransportError("unexpected Python server request from the remote: '" + line + "'");
    }
    spdlog::debug("sending the Python server ({} bytes)", size);
    if (!send(std::string(source))) spdlog::debug("remote closed the connection while the Python server was sent");
}

LaunchPlan plan_over_ssh(const LaunchConfig& options, const LaunchParams& params) {
    LaunchPlan plan;
    const RemoteHost& remote = options.remote.value();
    plan.what = ssh_destination(remote) + (remote.port ? " (port " + std::to_string(remote.port) + ")" : "");
    plan.password = remote.password;
    std::string script;
    if (options.server_cmd.empty()) {
        plan.kind = LaunchKind::kUpload;
        const PythonSpec python{options.python, std::string(server_py::python_server_hash()),
                                server_py::python_server_source().size()};
        if (!options.python.empty()) {
            // --python names the interpreter, as upstream: the Python server is used directly, no helper.
            script = python_script(python, server_arguments(options, 0));
            plan.description = "ssh " + plan.what + " (Python server)";
        } else {
            // The helper, with the Python server as the fallback where it cannot run (remote_script.hpp).
            const std::string expected =
                params.helper_sha256.empty() ? std::string(built_helper_sha256()) : params.helper_sha256;
            plan.helper = load_server_helper(server_helper_path(), expected);
            spdlog::debug("server helper: {} (SHA-256 {})", plan.helper->path, plan.helper->hash);
            UploadSpec spec{plan.helper->hash, plan.helper->content.size(), helper_platform_pattern(), python};
            script = upload_script(spec, server_arguments(options, 0));
            plan.description = "ssh " + plan.what;
        }
    } else {
        plan.kind = LaunchKind::kServerCmd;
        plan.description = "ssh " + plan.what + " (" + options.server_cmd + ")";
    }
    const std::string command = remote_command(options, script);
    plan.argv = ssh_argv(options, command, {}, params.batch_mode);
    plan.target.host = remote.host;
    plan.target.user = remote.user;
    plan.target.port = remote.port;
    plan.target.remote_command = command;
    // The same command as an argv, for transports that exec instead of passing a string to a login shell.
    plan.target.remote_argv = shlex_split(command);
    return plan;
}

LaunchPlan plan_local(const LaunchConfig& options, const LaunchParams& params) {
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
    spdlog::debug("starting the server: {}", common::join_shell_words(plan.argv));
    auto state = std::make_unique<PendingServer::State>();
    try {
        std::string password = plan.password;
        // -D: an ssh started before the detach stays in the terminal's session and process group, and would
        // die of the SIGHUP when that terminal closes. OpenSSH keeps an inherited SIG_IGN for SIGHUP.
        const bool outlive_terminal = util::daemon_detach_pending();
        // ssh passes the remote's stderr on, and a --server-cmd is anybody's program: their text reaches our
        // stderr only escaped, line by line.
        const util::StderrRelay* relay = util::process_stderr_relay();
        if (relay == nullptr) spdlog::warn("cannot relay the server's stderr; it goes to ours unchecked");
        const int relay_fd = relay != nullptr ? relay->write_fd() : -1;
        state->child = util::spawn_with_socketpair(plan.argv, [password, outlive_terminal, relay_fd] {
            if (relay_fd >= 0) dup2(relay_fd, STDERR_FILENO);
            if (!password.empty()) setenv("SSHPASS", password.c_str(), 1);
            if (outlive_terminal) signal(SIGHUP, SIG_IGN);
        });
    } catch (const std::exception& e) {
        throw TransportError("cannot start '" + plan.argv[0] + "': " + e.what());
    }
    state->plan = std::move(plan);
    return state;
}

// Reads the remote's bootstrap output up to the sync header, answering an upload request on the way.
bool read_bootstrap(const ByteReader& read_byte, const std::function<bool(const std::string&)>& send,
                    const LaunchPlan& plan, BootstrapLog& log) {
    return read_sync_header(read_byte, [&](const std::string& line) {
        if (line.rfind(std::string(kUploadMarker) + " ", 0) == 0) {
            answer_upload(send, line, plan.helper, log);
            return;
        }
        if (line.rfind(std::string(kUploadPythonMarker) + " ", 0) == 0) {
            answer_python_upload(send, line);
            return;
        }
        if (line.rfind(std::string(kFallbackMarker) + " ", 0) == 0) {
            const std::string reason = line.substr(std::strlen(kFallbackMarker) + 1);
            spdlog::info("{}", describe_fallback(common::escape_untrusted(reason)));
            return;
        }
        // Whatever the remote prints (motd, rc files) is logged and may end up in an error message: escaped.
        const std::string shown = common::escape_untrusted(line, kMaxShownLine);
        spdlog::debug("remote: {}", shown);
        log.add_line(shown);
    });
}

// "exit status 3: ..." in a plugin's end message: the remote command's exit code, or -1.
int exit_status_in(const std::string& message) {
    static const std::regex kExit(R"(exit (?:status|code) (\d+))");
    std::smatch m;
    return std::regex_search(message, m, kExit) ? std::stoi(m[1]) : -1;
}

// More servers on the SSH connection of a started one: the ssh program as a client of the first one's shared
// connection, or the plugin's open_channel.
class SharedSshChannels final : public ExtraChannelSource {
   public:
    explicit SharedSshChannels(LaunchPlan plan) : plan_(std::move(plan)) {}
    std::unique_ptr<ServerConnection> open() const override;
    std::string forward_socket() const override { return plan_.control_socket; }

   private:
    LaunchPlan plan_;
};

class PluginChannels final : public ExtraChannelSource {
   public:
    PluginChannels(LaunchPlan plan, std::shared_ptr<PluginConnection> plugin)
        : plan_(std::move(plan)), plugin_(std::move(plugin)) {}
    std::unique_ptr<ServerConnection> open() const override;
    std::shared_ptr<PluginConnection> forwarding_plugin() const override {
        return plugin_->can_forward_tcp() ? plugin_ : nullptr;
    }

   private:
    LaunchPlan plan_;
    std::shared_ptr<PluginConnection> plugin_;
};

// The plugin's handshake and the bootstrap over its connection. nullptr when the plugin found out while
// connecting that it cannot make this connection (the ssh configuration asks for something libssh2 cannot
// do); then `unsupported` says why.
std::unique_ptr<ServerConnection> wait_for_sync_plugin(const LaunchPlan& plan, std::shared_ptr<PluginConnection> plugin,
                                                       std::string& unsupported) {
    BootstrapLog log;
    unsupported = plugin->wait_open();
    if (!unsupported.empty()) return nullptr;
    const std::string description = plan.transport + " " + plan.what;
    bool ok = read_bootstrap([&](char& c) { return plugin->read_byte(c); },
                             [&](const std::string& data) { return plugin->write_all(data); }, plan, log);
    if (!ok) {
        const std::string& why = plugin->end_message();
        const int status = exit_status_in(why);
        std::string message = status >= 0 ? launch_failure_message(plan.kind, plan.what, log, status)
                                          : description + " ended before the server's sync header";
        if (!why.empty() && message.find(why) == std::string::npos) message += " (" + why + ")";
        throw TransportError(message);
    }
    spdlog::debug("server is up ({}){}", description, log.uploaded() ? ", helper uploaded" : "");
    std::shared_ptr<const ExtraChannelSource> extra;
    if (plugin->can_open_channel()) extra = std::make_shared<PluginChannels>(plan, plugin);
    return std::make_unique<PluginServer>(std::move(plugin), description, log.uploaded(), std::move(extra));
}

std::unique_ptr<ServerConnection> wait_for_sync(const LaunchPlan& plan, util::Child child) {
    BootstrapLog log;
    bool ok = false;
    try {
        ok = read_bootstrap(
            [fd = child.fd](char& c) {
                ssize_t n;
                while ((n = ::read(fd, &c, 1)) < 0 && errno == EINTR) {
                }
                return n == 1;
            },
                            [fd = child.fd](const std::string& data) { return send_all(fd, data); }, plan, log);
    } catch (...) {
        abandon(child.fd, child.pid);
        throw;
    }
    if (!ok) {
        // Closing our end first lets ssh see EOF and exit, so the wait below returns.
        close(child.fd);
        int exit_status = util::wait_child(child.pid);
        // What ssh said on its way out ("Could not resolve hostname ...") comes before our summary of it.
        if (const util::StderrRelay* relay = util::process_stderr_relay()) relay->drain(std::chrono::milliseconds(500));
        const bool batch = std::find(plan.argv.begin(), plan.argv.end(), "BatchMode=yes") != plan.argv.end();
        if (batch && exit_status == 255)  // the likely cause, rather than the capture hint of describe_exit
            throw TransportError("ssh " + plan.what + " failed (exit code 255) with nobody to answer a prompt " +
                                 "(BatchMode=yes: no passphrase, password or host-key question without a terminal)");
        throw TransportError(launch_failure_message(plan.kind, plan.what, log, exit_status));
    }
    spdlog::debug("server is up ({}){}", plan.description, log.uploaded() ? ", helper uploaded" : "");
    std::shared_ptr<const ExtraChannelSource> extra;
    if (!plan.extra_argv.empty()) {
        LaunchPlan shared = plan;
        shared.argv = plan.extra_argv;
        shared.extra_argv.clear();
        shared.description = plan.description + " (shared connection)";
        extra = std::make_shared<SharedSshChannels>(std::move(shared));
    }
    return std::make_unique<ChildServer>(child, plan.description, log.uploaded(), std::move(extra));
}

std::unique_ptr<ServerConnection> SharedSshChannels::open() const {
    auto state = spawn_plan(plan_);
    return wait_for_sync(state->plan, state->child);
}

std::unique_ptr<ServerConnection> PluginChannels::open() const {
    std::string unsupported;
    auto server = wait_for_sync_plugin(plan_, plugin_->open_channel(plan_.target), unsupported);
    if (!server) throw TransportError(unsupported);
    return server;
}

// The ssh program's cipher options (fast_cipher.hpp): AES-GCM first where the configuration names no ciphers and
// the CPU has AES instructions; empty: ssh's own order stands.
std::vector<std::string> fast_cipher_for(const std::optional<SshTarget>& settings) {
    if (!settings) return {};
    std::vector<std::string> cipher = fast_cipher_options(settings->ciphers, cpu_has_aes_instructions());
    if (cipher.empty()) {
        spdlog::debug("ssh keeps its own cipher order ({})", settings->ciphers);
    } else {
        spdlog::debug("ssh is asked to prefer AES-GCM (the CPU has AES instructions; no configured Ciphers)");
    }
    return cipher;
}

// The ssh program's connection, made by `sshuttle ssh-connect` (ssh_connect.hpp) where ssh's configuration lets
// us connect in its place; empty: ssh connects itself.
std::vector<std::string> ssh_connect_for(const std::optional<SshTarget>& settings) {
    if (!settings) return {};
    // Read once, at the first start: a package upgrade later deletes the file this process runs from, and the
    // path then names the new binary, which a reconnection's ssh runs.
    static const std::string self = [] {
        const auto path = util::own_binary();
        return path ? path->string() : std::string();
    }();
    std::vector<std::string> connect = ssh_connect_options(self, *settings);
    if (connect.empty()) {
        spdlog::debug("ssh makes its own TCP connection (its configuration proxies, binds or retries it, or {} "
                      "cannot be run)",
                      self.empty() ? "this binary" : self);
    } else {
        spdlog::debug("ssh's TCP connection is made by {} ssh-connect (TCP_NOTSENT_LOWAT {} bytes)", self,
                      kSshNotsentLowat);
    }
    return connect;
}

// Extra channels over the ssh program (issue 17): the first ssh becomes a connection-sharing master on a
// socket in our private directory and the others are its clients, so the tunnel authenticates once. When the
// user's configuration shares connections already, theirs is used and we start no master. Sets the extra
// channels' argv; returns the options the first ssh needs for it (the master's; empty when none).
std::vector<std::string> share_connection(LaunchPlan& plan, const LaunchConfig& options, const LaunchParams& params,
                                          const std::optional<SshTarget>& settings) {
    if (options.max_channels <= 1 || params.control_dir.empty()) return {};
    if (!settings) {
        spdlog::debug("one SSH channel: the ssh command is not OpenSSH's ssh, so its connection cannot be shared");
        return {};
    }
    const std::string& command = plan.target.remote_command;
    if (settings->shares_connection) {
        spdlog::debug("the ssh configuration shares connections itself (ControlMaster/ControlPath): using it");
        // An extra channel never prompts: the tunnel authenticates once (batch mode).
        plan.extra_argv = ssh_argv(options, command, {"-o", "ControlMaster=no"}, true);
        // Their master forwards single connections too, unless it would ask the user about each one.
        if (!settings->master_asks) plan.control_socket = settings->control_path;
        return {};
    }
    const std::string socket = next_control_socket(params.control_dir);
    plan.extra_argv = ssh_argv(options, command, {"-S", socket, "-o", "ControlMaster=no"}, true);
    plan.control_socket = socket;
    // ControlPersist=no: the master ends with its own session, which is the primary channel's server.
    return {"-o", "ControlMaster=yes", "-o", "ControlPath=" + socket, "-o", "ControlPersist=no"};
}

// Whether the ssh program may stand in for the chosen plugin when it cannot make this connection: always for
// the default choice; for a --transport the user named, only for our own ssh transport.
bool may_fall_back(const TransportChoice& choice) { return !choice.explicit_choice || choice.name == "ssh"; }

// How the ssh program stands in when no plugin connection is under way: with the `ssh -G` tuning (connection
// sharing, cipher order), or as plan_over_ssh made it.
enum class StandIn { kTunedSsh, kPlainSsh };

struct PluginAttempt {
    std::shared_ptr<PluginConnection> connection;  // connecting; null: the ssh program stands in
    StandIn stand_in = StandIn::kTunedSsh;
};

// Loads the chosen plugin. A plugin the user named must load (PluginError goes up to them); the default one
// may be missing or broken, and then null is returned and `error` says why (the loader reports by throwing).
std::shared_ptr<PluginConnection> load_transport(const TransportChoice& choice, const LaunchConfig& options,
                                                 const LaunchParams& params, std::string& error) {
    auto plugin_options = choice.options;
    // Our ssh transport's switch; another plugin would refuse an option it does not know.
    if (params.batch_mode && choice.name == "ssh") plugin_options.emplace_back("batch-mode", "yes");
    const auto load = [&] {
        return std::make_shared<PluginConnection>(choice.name, options.plugin_dirs, plugin_options);
    };
    if (choice.explicit_choice) return load();
    try {
        return load();
    } catch (const plugin::PluginError& e) {
        error = e.what();
        return nullptr;
    }
}

// Starts the chosen plugin's connection, or says how the ssh program stands in (having logged why). Throws
// TransportError when the user named a plugin that cannot make this connection.
PluginAttempt start_plugin_transport(const TransportChoice& choice, const LaunchConfig& options,
                                     const LaunchParams& params, const PluginTarget& target) {
    std::string load_error;
    auto plugin = load_transport(choice, options, params, load_error);
    if (!plugin) {
        spdlog::warn("the built-in ssh transport cannot be used ({}); using the ssh command instead", load_error);
        return {};
    }
    std::string unsupported = plugin->why_unusable();
    if (unsupported.empty() && !choice.explicit_choice) {
        // The default: libssh2 only when it can do everything the user's ssh configuration asks for.
        const std::string version = plugin->support_note();
        if (std::string why = libssh2_obstacle(options, version); !why.empty()) {
            spdlog::debug("transport: the ssh program, because {}", why);
            return {nullptr, StandIn::kPlainSsh};
        }
        spdlog::debug("transport: the built-in one ({}), which can honour the ssh configuration for {}", version,
                      options.remote->host);
    }
    if (unsupported.empty()) unsupported = plugin->open(target);
    if (unsupported.empty()) return {std::move(plugin), StandIn::kTunedSsh};
    if (!may_fall_back(choice)) throw TransportError(unsupported);
    spdlog::info("{}; using the ssh command instead", unsupported);
    return {};
}

}  // namespace

PendingServer::PendingServer() = default;
PendingServer::PendingServer(PendingServer&&) noexcept = default;
PendingServer::~PendingServer() {
    // Never finished (the caller failed in between): no process may outlive the error.
    if (state_ && state_->child.pid > 0) abandon(state_->child.fd, state_->child.pid);
}

PendingServer launch_server(const LaunchConfig& options, const LaunchParams& params) {
    PendingServer pending;
    if (!options.remote) {
        pending.state_ = spawn_plan(plan_local(options, params));
        return pending;
    }
    LaunchPlan plan = plan_over_ssh(options, params);
    if (std::optional<TransportChoice> choice = choose_transport(options)) {
        // The plugin connects now (non-blocking) and the handshake goes on in finish_server.
        PluginAttempt attempt = start_plugin_transport(*choice, options, params, plan.target);
        if (attempt.connection) {
            plan.transport = choice->name;
            plan.may_fall_back = may_fall_back(*choice);
            pending.state_ = std::make_unique<PendingServer::State>();
            pending.state_->plan = std::move(plan);
            pending.state_->plugin = std::move(attempt.connection);
            return pending;
        }
        if (attempt.stand_in == StandIn::kPlainSsh) {
            pending.state_ = spawn_plan(std::move(plan));
            return pending;
        }
    }
    // One `ssh -G` answers both: connection sharing and the cipher order. The cipher goes to the first ssh only:
    // the extra channels ride its connection.
    const std::optional<SshTarget> settings = ssh_program_settings(options);
    std::vector<std::string> first_ssh = share_connection(plan, options, params, settings);
    const std::vector<std::string> cipher = fast_cipher_for(settings);
    first_ssh.insert(first_ssh.end(), cipher.begin(), cipher.end());
    const std::vector<std::string> connect = ssh_connect_for(settings);
    first_ssh.insert(first_ssh.end(), connect.begin(), connect.end());
    if (!first_ssh.empty()) plan.argv = ssh_argv(options, plan.target.remote_command, first_ssh, params.batch_mode);
    pending.state_ = spawn_plan(std::move(plan));
    return pending;
}

std::unique_ptr<ServerConnection> finish_server(PendingServer pending) {
    auto state = std::move(pending.state_);
    if (state->plugin) {
        std::string unsupported;
        if (auto server = wait_for_sync_plugin(state->plan, std::move(state->plugin), unsupported)) return server;
        // Found out while connecting (the ssh configuration asks for something libssh2 cannot do).
        if (!state->plan.may_fall_back) throw TransportError(unsupported);
        spdlog::info("{}; using the ssh command instead", unsupported);
        LaunchPlan plan = std::move(state->plan);
        plan.transport.clear();
        state = spawn_plan(std::move(plan));
    }
    return wait_for_sync(state->plan, state->child);
}

std::unique_ptr<ServerConnection> start_server(const LaunchConfig& options, const LaunchParams& params) {
    return finish_server(launch_server(options, params));
}

}  // namespace sshuttle::transport
