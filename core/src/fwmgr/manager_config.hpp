// SPDX-License-Identifier: LGPL-2.1-or-later
// What the firewall manager, and the client's command line that starts it, take from the user's options. The
// app builds it from the parsed command line (app/area_configs.hpp), so that this area needs nothing of cli.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sshuttle::fwmgr {

struct ManagerConfig {
    std::string method = "auto";           // --method: a plugin's name, or auto
    std::vector<std::string> plugin_dirs;   // --plugin-dir; the manager honours them only for a root caller
    int verbose = 0;                        // -v count
    bool syslog = false;                    // log to syslog instead of stderr
    bool auto_hosts = false;                // -H: the manager writes hosts lines only with it
    // The method's own flags, as <YAML key>=1: passed on as --<key>, handed to the plugin (plugin/method_options.hpp).
    std::vector<std::pair<std::string, std::string>> method_options;
};

}  // namespace sshuttle::fwmgr
