// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/firewall_manager.hpp"

#include <unistd.h>

#include <memory>

#include "fwmgr/hosts_file.hpp"
#include "fwmgr/line_channel.hpp"
#include "fwmgr/manager_session.hpp"
#include "fwmgr/plugin_backend.hpp"
#include "util/log.hpp"

namespace sshuttle::fwmgr {

int run_firewall_manager(const cli::Options& options) {
    util::setup_logging("fw", options.verbose, options.syslog);
    SignalRelay signals;
    // Our own session, so that Ctrl+C in the terminal reaches only the client, which then closes the socket.
    // It fails under sudo's use_pty (we already lead a session there); that is harmless.
    if (setsid() < 0) spdlog::trace("setsid failed (already a session leader)");

    std::unique_ptr<PluginBackend> backend;
    try {
        backend = std::make_unique<PluginBackend>(options);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        try {
            write_all(STDOUT_FILENO, format_error(e.what()));
        } catch (const std::exception&) {
            // The client is gone already.
        }
        return 1;
    }
    return run_manager_session(*backend, STDIN_FILENO, STDOUT_FILENO, signals, kSystemHostsPath);
}

}  // namespace sshuttle::fwmgr
