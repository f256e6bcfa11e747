// SPDX-License-Identifier: LGPL-2.1-or-later
// Mode dispatch: one binary is the client, the firewall manager (--firewall), the server (--server) and the
// small informational commands. Every error ends here as one line on stderr; never a stack trace.
#include "app/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "app/area_configs.hpp"
#include "app/session/client_session.hpp"
#include "app/dry_run.hpp"
#include "app/method_check.hpp"
#include "app/netns.hpp"
#include "app/status/status_command.hpp"
#include "app/sudoers.hpp"
#include "app/version_report.hpp"
#include "build_config.hpp"
#include "cli/help.hpp"
#include "cli/parse_options.hpp"
#include "cli/usage_error.hpp"
#include "fwmgr/firewall_manager.hpp"
#include "fwmgr/manager_command.hpp"
#include "plugin/plugins.hpp"
#include "server/hostwatch.hpp"
#include "server/server.hpp"
#include "transport/ssh_connect.hpp"
#include "util/daemon.hpp"
#include "util/exit_status.hpp"
#include "util/log.hpp"
#include "util/syslog_forwarder.hpp"

namespace sshuttle::app {
namespace {

using util::kExitFatal;
using util::kExitUsage;

server::ServerOptions server_options_from(const cli::Options& options) {
    server::ServerOptions s;
    s.verbosity = options.verbose;
    s.latency_control = options.latency_control;
    s.latency_buffer_size = static_cast<std::size_t>(options.latency_buffer_size);
    s.to_ns = options.to_ns;
    s.auto_nets = options.auto_nets;
    s.mark = options.server_mark;
    s.syslog = options.syslog;
    return s;
}

int list_plugins(const cli::Options& options) {
    plugin::HostServices host(/*dry_run=*/true);
    auto dirs = plugin::search_dirs(options.plugin_dirs);
    std::cout << plugin::format_plugin_table(plugin::discover(dirs, host));
    std::vector<std::string> why;
    std::string verdict;
    try {
        verdict = "--method auto would choose: " + plugin::select_auto(dirs, host, why)->name();
    } catch (const plugin::PluginError& e) {
        verdict = std::string("--method auto: ") + e.what();
    }
    // Each candidate in the order auto tries them, with why it was or was not usable.
    std::cout << "\n--method auto candidates (nat, nft, pf, ipfw, then others by priority; tproxy never):\n";
    for (const auto& line : why) std::cout << "  " << line << "\n";
    std::cout << verdict << "\n";
    return 0;
}

/// The internal modes get their arguments from the client, which has already applied SSHUTTLE_ARGS: reading
/// it again would add the user's client options (-x, --method...) to the server's or the manager's.
bool is_internal_mode(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--server" || a == "--firewall") return true;
        if (a == "--") break;
    }
    return false;
}

void log_warnings(const cli::Options& options) {
    for (const auto& w : options.warnings) spdlog::warn("{}", w);
}

int dispatch(const cli::Options& options) {
    switch (options.mode) {
        case cli::Mode::kVersion:
            std::cout << version_report(options);
            return 0;
        case cli::Mode::kListPlugins:
            return list_plugins(options);
        case cli::Mode::kSudoersNoModify: {
            std::vector<std::string> methods{"auto", "nat", "nft", "tproxy"};
            if (std::find(methods.begin(), methods.end(), options.method) == methods.end())
                methods.push_back(options.method);
            std::string who = options.sudoers_user.empty() ? default_sudoers_user() : options.sudoers_user;
            if (std::string why = why_bad_sudoers_user(who); !why.empty()) {
                std::cerr << "sshuttle: " << why << "\n";
                return kExitUsage;
            }
            const std::string self = fwmgr::self_executable();
            if (std::string why = why_not_root_only(self); !why.empty()) {
                std::cerr << "sshuttle: refusing to print a sudoers rule for " << self << ": " << why
                          << " (whoever can replace it would get root); install sshuttle first\n";
                return kExitFatal;
            }
            std::cout << sudoers_fragment(who, self, methods);
            return 0;
        }
        case cli::Mode::kServer:
            // run_server sets up logging itself (the static helper calls it too).
            return server::run_server(server_options_from(options));
        case cli::Mode::kFirewall:  // sets up its own logging: stdout is its protocol socket
            return fwmgr::run_firewall_manager(manager_config_from(options));
        case cli::Mode::kHostwatch: {
            // Debugging: the server's watcher alone, printing "name,ip" lines until interrupted.
            util::setup_logging("hw", options.verbose, options.syslog);
            std::signal(SIGPIPE, SIG_IGN);  // `| head` ends it through a write error
            server::HostwatchConfig config;
            config.seed_hosts = options.seed_hosts;
            return server::run_hostwatch(config, STDOUT_FILENO, -1);
        }
        case cli::Mode::kClient:
            util::setup_logging("c", options.verbose, options.syslog || options.daemon);
            // A daemon logs to syslog, and to the terminal too until it detaches: start-up errors show there.
            if (options.daemon) util::also_log_to_stderr("c");
            log_warnings(options);
            require_installed_method(options);  // before any sudo prompt or rule
            if (options.dry_run) return run_dry_run(options, std::cout);
            if (!options.remote && geteuid() != 0) {
                // The local server marks its own connections (SO_MARK, which needs CAP_NET_ADMIN) so that they
                // are not redirected back into the tunnel; as a plain user every connection would loop.
                std::cerr << "sshuttle: local mode (no -r) must run as root: its server marks its own connections "
                             "so the firewall does not capture them again\n";
                return kExitUsage;
            }
            if (!options.remote)
                spdlog::info("local mode (no -r): no remote; a local server makes the captured connections "
                             "from this machine");
            if (options.daemon) {
                // Forks before start-up: see util/daemon.hpp. The child returns here when it is done.
                return util::run_as_daemon(options.pidfile, [&] {
                    enter_network_namespace(options);
                    return run_client(options);
                });
            }
            if (options.syslog) util::forward_stderr_to_syslog();
            enter_network_namespace(options);
            return run_client(options);
        default:
            std::cerr << "sshuttle: this mode is not implemented yet\n";
            return kExitUsage;
    }
}

}  // namespace

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        // `sshuttle status ...`: a subcommand of its own, never mixed with the client's options or SSHUTTLE_ARGS.
        if (!args.empty() && args.front() == "status")
            return status::run_status_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
        // `sshuttle ssh-connect HOST PORT`: internal, the ProxyCommand our ssh runs (transport/ssh_connect.hpp).
        if (!args.empty() && args.front() == "ssh-connect")
            return transport::run_ssh_connect({args.begin() + 1, args.end()}, STDOUT_FILENO, std::cerr);
        cli::Options options = cli::parse_options(args, is_internal_mode(args) ? nullptr : std::getenv("SSHUTTLE_ARGS"));
        if (options.show_help) {
            std::cout << cli::help_text();
            return 0;
        }
        return dispatch(options);
    } catch (const cli::UsageError& e) {
        std::cerr << "sshuttle: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "sshuttle: " << e.what() << "\n";
        return kExitFatal;
    }
}

}  // namespace sshuttle::app
