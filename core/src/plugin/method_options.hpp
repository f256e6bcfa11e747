// SPDX-License-Identifier: LGPL-2.1-or-later
// A firewall method's own flags pass through the core without it knowing any method: a flag spelled
// "--<method>-<key>" is kept by its YAML key "<method>-<key>" (cli::Options::method_options), reaches the root
// manager on its command line as the flag itself, and the method's plugin gets it as the create() option
// <key>=1. The key's first word says which method it belongs to; any other method ignores it.
#pragma once

#include <string>
#include <vector>

#include "plugin/plugins.hpp"

namespace sshuttle::plugin {

/// The options of `all` that belong to `method` (key "<method>-<rest>"), as <rest>=value.
PluginOptions options_for_method(const PluginOptions& all, const std::string& method);

/// The keys of `all` that do not belong to `method`: flags that method ignores (the client warns about them).
std::vector<std::string> options_ignored_by(const PluginOptions& all, const std::string& method);

}  // namespace sshuttle::plugin
