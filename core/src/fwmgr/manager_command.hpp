// SPDX-License-Identifier: LGPL-2.1-or-later
// The command line that starts the firewall manager, with sudo or doas in front when we are not root.
#pragma once

#include <string>
#include <vector>

#include "fwmgr/manager_config.hpp"

namespace sshuttle::fwmgr {

enum class Elevation { kNone = 1, kSudo, kDoas };

/// kNone when root; otherwise sudo, or doas when only doas exists (or first on OpenBSD); kNone when neither.
Elevation detect_elevation();

/// This program's own path (/proc/self/exe resolved); "sshuttle" when that cannot be read.
std::string self_executable();

/// [sudo -p '[local sudo] Password: ' | doas] <self_exe> --firewall --method M [-v]... [--plugin-dir D]...
/// [--syslog] [--auto-hosts] [--<method flag>].... --plugin-dir only without elevation (as root): a manager
/// started through sudo/doas ignores them, and the sudoers rule does not allow them.
std::vector<std::string> manager_command(const ManagerConfig& options, const std::string& self_exe,
                                         Elevation elevation);

}  // namespace sshuttle::fwmgr
