// SPDX-License-Identifier: LGPL-2.1-or-later
// A plugin module file opened once and checked through its descriptor, so that what dlopen maps is exactly the
// file that was checked: dlopen is given /proc/self/fd/N, never the name again.
//
// Running as root (the firewall manager), the path is resolved once (symlinks of the installation, such as
// merged-/usr's /lib, are fine), then walked from / one component at a time with O_NOFOLLOW: each directory is
// checked through the descriptor that the next step opens from, and must be owned by root and not writable by
// group or others, unless it is sticky (like /tmp: others may add entries but cannot rename or remove root's).
// The file itself must be a regular file owned by root and not writable by group or others. Whoever swaps a
// symlink or renames a directory while this runs makes the walk fail; it never makes root load their file.
// A plain user loads what it can read: it runs the code as itself, which it could do anyway.
#pragma once

#include <filesystem>
#include <string>

namespace sshuttle::plugin {

class ModuleFile {
   public:
    /// Opens and checks file; throws PluginError naming the file and the reason ("no such file", "directory
    /// /x is writable by others; running as root, refusing it").
    static ModuleFile open(const std::filesystem::path& file);

    ModuleFile(ModuleFile&& other) noexcept;
    ModuleFile& operator=(ModuleFile&&) = delete;
    ModuleFile(const ModuleFile&) = delete;
    ModuleFile& operator=(const ModuleFile&) = delete;
    /// Closes the descriptor, unless a module is still loaded under its /proc/self/fd/N name (see the .cpp).
    ~ModuleFile();

    /// "/proc/self/fd/N": the name to give dlopen.
    std::string load_path() const;

   private:
    explicit ModuleFile(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace sshuttle::plugin
