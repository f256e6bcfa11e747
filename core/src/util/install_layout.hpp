// SPDX-License-Identifier: LGPL-2.1-or-later
// Where this sshuttle's own plugins and server helper are: relative to the real location of the running binary
// (the build tree mirrors the installed layout, so the same rule serves both), then under the configured prefix.
// No build-tree path is compiled in: an installed copy never looks into the tree it was built in.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace sshuttle::util {

/// The running binary, symlinks resolved (/proc/self/exe); nullopt when it cannot be read (or was deleted).
std::optional<std::filesystem::path> own_binary();

/// The directory of own_binary().
std::optional<std::filesystem::path> own_binary_dir();

/// The plugin directories of this installation: <own dir>/<kPluginDirFromBin>, then the configured prefix's
/// (when it differs).
std::vector<std::filesystem::path> own_plugin_dirs();

/// The server helper candidates, in the same order as own_plugin_dirs().
std::vector<std::filesystem::path> own_server_helpers();

}  // namespace sshuttle::util
