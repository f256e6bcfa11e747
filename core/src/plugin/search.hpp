// SPDX-License-Identifier: LGPL-2.1-or-later
// Finding module files in the search directories (the first directory that has a name wins).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sshuttle::plugin {

/// "sshuttle-<name>.so".
std::string module_file_name(const std::string& name);

/// The first dirs[i]/sshuttle-<name>.so that exists.
std::optional<std::filesystem::path> find_module(const std::string& name,
                                                 const std::vector<std::filesystem::path>& dirs);

/// "plugin 'x' not found (searched: /a, /b)": the not-found message, naming every directory.
std::string not_found_message(const std::string& what, const std::vector<std::filesystem::path>& dirs);

/// Every sshuttle-<name>.so in dirs by name; for a name in several dirs the first dir's file.
std::map<std::string, std::filesystem::path> list_modules(const std::vector<std::filesystem::path>& dirs);

}  // namespace sshuttle::plugin
