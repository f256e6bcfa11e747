// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/search.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "plugin/module_file.hpp"
#include "plugin/plugins.hpp"
#include "util/install_layout.hpp"
#include "util/log.hpp"

namespace sshuttle::plugin {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPrefix = "sshuttle-";
constexpr const char* kSuffix = ".so";

void add_unique(std::vector<fs::path>& dirs, const fs::path& dir) {
    if (dir.empty()) return;
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
}

bool is_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

/// Running as root (the firewall manager, often through sudo), a module that another user could have written
/// or replaced, or that sits below a directory another user could change, would run that user's code as root:
/// such a file is skipped with a warning. The same check is made again, race-free, when it is loaded
/// (ModuleFile); this one only keeps it out of listings and searches.
bool usable_module(const fs::path& file) {
    if (!is_file(file)) return false;
    if (geteuid() != 0) return true;
    try {
        ModuleFile::open(file);
        return true;
    } catch (const PluginError& e) {
        spdlog::warn("ignoring {}", e.what());
        return false;
    }
}

}  // namespace

std::vector<fs::path> search_dirs(const std::vector<std::string>& plugin_dirs) {
    std::vector<fs::path> dirs;
    // This installation's own plugins, found from the binary's real location (in a build tree: the plugins built
    // with it); never a build tree's path compiled in.
    for (const auto& dir : util::own_plugin_dirs()) add_unique(dirs, dir);
    for (const auto& dir : plugin_dirs) add_unique(dirs, dir);
    if (const char* env = std::getenv("SSHUTTLE_PLUGIN_PATH")) {
        std::string path = env;
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = std::min(path.find(':', start), path.size());
            add_unique(dirs, path.substr(start, end - start));
            start = end + 1;
        }
    }
    return dirs;
}

std::string module_file_name(const std::string& name) { return kPrefix + name + kSuffix; }

std::optional<fs::path> find_module(const std::string& name, const std::vector<fs::path>& dirs) {
    for (const auto& dir : dirs) {
        fs::path candidate = dir / module_file_name(name);
        if (usable_module(candidate)) return candidate;
    }
    return std::nullopt;
}

std::string not_found_message(const std::string& what, const std::vector<fs::path>& dirs) {
    std::string searched;
    for (const auto& dir : dirs) searched += (searched.empty() ? "" : ", ") + dir.string();
    return what + " not found (searched: " + (searched.empty() ? "no directories" : searched) + ")";
}

std::map<std::string, fs::path> list_modules(const std::vector<fs::path>& dirs) {
    std::map<std::string, fs::path> modules;
    const std::string prefix = kPrefix;
    const std::string suffix = kSuffix;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            std::string file = it->path().filename().string();
            if (file.size() <= prefix.size() + suffix.size() || file.rfind(prefix, 0) != 0 ||
                file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0 || !usable_module(it->path()))
                continue;
            std::string name = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
            modules.emplace(name, it->path());  // emplace keeps the first directory's file
        }
    }
    return modules;
}

}  // namespace sshuttle::plugin
