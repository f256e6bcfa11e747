// SPDX-License-Identifier: LGPL-2.1-or-later
// The real firewall manager (run_firewall_manager with the plugins), started with the same arguments the
// client gives `sshuttle --firewall` (manager_command()), so its tests do not depend on the whole program.
#include <string>

#include "fwmgr/firewall_manager.hpp"
#include "fwmgr/manager_config.hpp"

int main(int argc, char** argv) {
    sshuttle::fwmgr::ManagerConfig options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--firewall") continue;
        if (arg == "-v")
            ++options.verbose;
        else if (arg == "--syslog")
            options.syslog = true;
        else if (arg == "--method" && i + 1 < argc)
            options.method = argv[++i];
        else if (arg == "--plugin-dir" && i + 1 < argc)
            options.plugin_dirs.push_back(argv[++i]);
        else
            return 2;
    }
    return sshuttle::fwmgr::run_firewall_manager(options);
}
