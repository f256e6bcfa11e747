// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/firewall_manager.hpp"

#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "fwmgr/caller.hpp"
#include "fwmgr/hosts_file.hpp"
#include "fwmgr/instance_lock.hpp"
#include "fwmgr/line_channel.hpp"
#include "fwmgr/manager_session.hpp"
#include "fwmgr/plugin_backend.hpp"
#include "util/log.hpp"

namespace sshuttle::fwmgr {

int run_firewall_manager(const ManagerConfig& given) {
    util::setup_logging("fw", given.verbose, given.syslog);
    SignalRelay signals;
    // Our own session, so that Ctrl+C in the terminal reaches only the client, which then closes the socket.
    // It fails under sudo's use_pty (we already lead a session there); that is harmless.
    if (setsid() < 0) spdlog::trace("setsid failed (already a session leader)");

    const Caller caller = identify_caller(STDIN_FILENO);
    ManagerConfig options = given;
    if (!caller.root) {
        spdlog::debug("caller is uid {} (from {}): held to its own traffic and ports", caller.uid, caller.how);
        // Loading a module is running its code as root: only root may choose where modules come from.
        if (!options.plugin_dirs.empty() || std::getenv("SSHUTTLE_PLUGIN_PATH") != nullptr)
            spdlog::warn("ignoring --plugin-dir and SSHUTTLE_PLUGIN_PATH: the caller (uid {}) is not root",
                         caller.uid);
        options.plugin_dirs.clear();
        unsetenv("SSHUTTLE_PLUGIN_PATH");
    }

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
    SessionOptions session;
    session.hosts_path = kSystemHostsPath;
    session.hosts_allowed = options.auto_hosts;
    session.caller = caller;
    session.lock_dir = kInstanceLockDir;
    return run_manager_session(*backend, STDIN_FILENO, STDOUT_FILENO, signals, session);
}

}  // namespace sshuttle::fwmgr
