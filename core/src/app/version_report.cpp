// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/version_report.hpp"

#include <openssl/crypto.h>

#include <exception>
#include <fstream>
#include <iterator>

#include "build_config.hpp"
#include "plugin/module.hpp"
#include "plugin/plugins.hpp"
#include "transport/server_helper.hpp"

namespace sshuttle::app {
namespace {

// libssh2 lives in the transport plugin, not in this binary: its description names the version it loaded.
std::string ssh_transport_line(const std::vector<std::filesystem::path>& dirs) {
    try {
        plugin::HostServices host(true);
        auto transport = plugin::load_transport("ssh", dirs, host, {});
        const char* description = transport->table().description;
        return "transport ssh: " + std::string(description != nullptr ? description : "(no description)") + " [" +
               transport->file().string() + "]";
    } catch (const std::exception& e) {
        return "transport ssh: " + plugin::one_line(e.what());
    }
}

std::string helper_line() {
    const std::string path = transport::server_helper_path();
    std::ifstream in(path, std::ios::binary);
    if (!in) return "server helper: " + path + " (missing)";
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bool matches = transport::sha256_hex(content) == transport::built_helper_sha256();
    return "server helper: " + path + " (SHA-256 " + std::string(transport::built_helper_sha256()) +
           (matches ? ", matches" : "; this file differs and would be refused") + ")";
}

}  // namespace

std::string version_report(const cli::Options& options) {
    const std::vector<std::filesystem::path> dirs = plugin::search_dirs(options.plugin_dirs);
    std::string plugin_dirs;
    for (const auto& dir : dirs) plugin_dirs += (plugin_dirs.empty() ? "" : ", ") + dir.string();
    std::string out;
    out += std::string(build::kProductName) + " " + build::kVersion + "\n";
    out += "implements sshuttle " + std::string(build::kUpstreamCompat) + "'s wire protocol and options\n";
    out += "plugin ABI " + plugin::format_abi_version(SSHUTTLE_ABI_VERSION) + "\n";
    out += std::string(OpenSSL_version(OPENSSL_VERSION)) + "\n";
    out += ssh_transport_line(dirs) + "\n";
    out += "plugin directories: " + plugin_dirs + "\n";
    out += helper_line() + "\n";
    return out;
}

}  // namespace sshuttle::app
