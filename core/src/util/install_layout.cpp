// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/install_layout.hpp"

#include <algorithm>
#include <system_error>

#include "build_config.hpp"

namespace sshuttle::util {
namespace fs = std::filesystem;
namespace {

// dir/from_bin/file (file may be empty), without "..", "." or a trailing separator.
fs::path normal(const fs::path& dir, const char* from_bin, const char* file) {
    fs::path out = (dir / from_bin / file).lexically_normal();
    if (!out.has_filename() && out.has_parent_path() && out != out.root_path()) out = out.parent_path();
    return out;
}

std::vector<fs::path> own_and_prefix(const char* from_bin, const char* under_prefix, const char* file) {
    std::vector<fs::path> out;
    if (std::optional<fs::path> dir = own_binary_dir()) out.push_back(normal(*dir, from_bin, file));
    fs::path configured = normal(under_prefix, "", file);
    if (std::find(out.begin(), out.end(), configured) == out.end()) out.push_back(configured);
    return out;
}

}  // namespace

std::optional<fs::path> own_binary() {
    std::error_code ec;
    // canonical, not read_symlink: /usr/bin/sshuttle may itself be a symlink into the real prefix.
    fs::path self = fs::canonical("/proc/self/exe", ec);
    if (ec || self.empty()) return std::nullopt;
    return self;
}

std::optional<fs::path> own_binary_dir() {
    std::optional<fs::path> self = own_binary();
    if (!self) return std::nullopt;
    return self->parent_path();
}

std::vector<fs::path> own_plugin_dirs() {
    return own_and_prefix(build::kPluginDirFromBin, build::kInstallPluginDir, "");
}

std::vector<fs::path> own_server_helpers() {
    return own_and_prefix(build::kHelperDirFromBin, build::kInstallHelperDir, build::kServerHelperName);
}

}  // namespace sshuttle::util
