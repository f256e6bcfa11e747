// SPDX-License-Identifier: LGPL-2.1-or-later
// One loaded plugin module: the Boost.DLL handle plus the checks done before anything typed is used.
//
// Boost.DLL has no notion of versions ("wrong type in get<T>: segmentation fault"), so the ABI version symbol
// is resolved and checked before any other symbol, and each function table is validated (struct_size,
// required pointers) and copied into a zeroed struct of the host's layout (OBS style) so that members a newer
// minor appended are ignored and members an older minor lacked read as NULL.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "plugin/module_file.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugin {

/// "1.0" for an encoded ABI version.
std::string format_abi_version(uint32_t version);

/// Empty when a plugin built for `plugin_version` may be used by a host speaking `host_version`, else why not
/// ("built for ABI 2.0, this sshuttle speaks 1.0").
std::string abi_incompatibility(uint32_t plugin_version, uint32_t host_version);

/// text with its line breaks joined by "; " and trailing blanks dropped: plugin messages become one line.
std::string one_line(const std::string& text);

/// Copies the first min(struct_size, sizeof(Table)) bytes of src into a zeroed Table.
template <typename Table>
Table copy_table(const Table* src) {
    Table out{};
    std::memcpy(&out, src, std::min<size_t>(src->struct_size, sizeof(Table)));
    return out;
}

class Module {
   public:
    /// Opens file once (ModuleFile: as root, owner and mode of it and every directory above it), loads it through
    /// that descriptor and checks its ABI version; throws PluginError.
    static std::shared_ptr<Module> open(const std::filesystem::path& file);

    const std::filesystem::path& file() const { return file_; }
    uint32_t abi_version() const { return abi_version_; }
    bool has_firewall() const;
    bool has_transport() const;
    /// The validated firewall table; throws PluginError when absent or malformed.
    sshuttle_firewall_v1 firewall_table() const;
    /// The validated transport table; throws PluginError when absent or malformed.
    sshuttle_transport_v1 transport_table() const;

    /// Throws PluginError "plugin <file>: <detail>".
    [[noreturn]] void fail(const std::string& detail) const;
    /// Throws PluginError for a failed plugin call: "<what> failed: <plugin's message or status>".
    [[noreturn]] void fail_call(const std::string& what, int status, const sshuttle_error& err) const;

   private:
    Module(ModuleFile opened, boost::dll::shared_library library, std::filesystem::path file, uint32_t abi_version);

    // Declared before library_ so that it is destroyed after it: the descriptor's name is the library's name.
    ModuleFile opened_;
    boost::dll::shared_library library_;
    std::filesystem::path file_;
    uint32_t abi_version_ = 0;
};

}  // namespace sshuttle::plugin
