// SPDX-License-Identifier: LGPL-2.1-or-later
// --list-plugins and --dry-run as a normal user: a firewall probe run as that user fails for want of root (and
// iptables says so on stderr), although the real run would use the method through sudo. So the probes run in a
// child that is root in a new user and network namespace of its own: it sees what root would see about the
// tools and kernel features, and changes nothing outside that empty namespace.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sshuttle::plugin {

struct RootProbe {
    bool usable = false;
    std::string reason;  // the plugin's own words
};

class Module;

/// Each firewall module's is_supported() as root, by file. The modules are opened (and their files checked) by
/// the caller: inside the namespace root's files belong to nobody and would fail that check. nullopt when no
/// user namespace can be made (or the child failed); the caller then probes as it is. Probe output on stderr
/// goes nowhere.
std::optional<std::map<std::filesystem::path, RootProbe>> probe_as_root(
    const std::vector<std::shared_ptr<Module>>& modules);

}  // namespace sshuttle::plugin
