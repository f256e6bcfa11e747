// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/server_helper.hpp"

#include <sys/stat.h>

#include <boost/uuid/detail/sha1.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "build_config.hpp"
#include "transport/server_launch.hpp"

namespace sshuttle::transport {
namespace {

bool file_exists(const char* path) {
    struct stat st {};
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

#if defined(__linux__)
constexpr const char* kSystem = "Linux";
#elif defined(__FreeBSD__)
constexpr const char* kSystem = "FreeBSD";
#elif defined(__APPLE__)
constexpr const char* kSystem = "Darwin";
#else
#error "unknown target system for the server helper"
#endif

#if defined(__x86_64__)
constexpr const char* kMachine = "x86_64";
constexpr const char* kMachinePatterns[] = {"x86_64", "amd64"};
#elif defined(__aarch64__)
constexpr const char* kMachine = "aarch64";
constexpr const char* kMachinePatterns[] = {"aarch64", "arm64"};
#elif defined(__i386__)
constexpr const char* kMachine = "i686";
constexpr const char* kMachinePatterns[] = {"i?86", "x86_64"};  // a 32-bit static binary runs on x86_64 too
#elif defined(__arm__)
constexpr const char* kMachine = "armv7l";
constexpr const char* kMachinePatterns[] = {"armv7*", "armv8*", "aarch64"};
#else
#error "unknown target machine for the server helper"
#endif

}  // namespace

std::string server_helper_path() {
    if (const char* env = std::getenv("SSHUTTLE_SERVER_HELPER"); env && *env) return env;
    if (file_exists(build::kBuildServerHelper)) return build::kBuildServerHelper;
    return build::kInstallServerHelper;
}

ServerHelper load_server_helper(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TransportError("cannot read the server helper '" + path + "': " + std::strerror(errno) +
                             " (build the sshuttle-server target, set SSHUTTLE_SERVER_HELPER, or use --server-cmd)");
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    ServerHelper helper;
    helper.path = path;
    helper.content = buffer.str();
    if (helper.content.empty()) throw TransportError("the server helper '" + path + "' is empty");
    helper.hash = content_hash(helper.content);
    return helper;
}

std::string content_hash(const std::string& data) {
    boost::uuids::detail::sha1 sha;
    sha.process_bytes(data.data(), data.size());
    boost::uuids::detail::sha1::digest_type digest;
    sha.get_digest(digest);
    std::string hex;
    for (unsigned int word : digest) {
        char part[9];
        std::snprintf(part, sizeof part, "%08x", word);
        hex += part;
    }
    return hex;
}

std::string helper_platform() { return std::string(kSystem) + " " + kMachine; }

std::string helper_platform_pattern() {
    std::string pattern;
    for (const char* machine : kMachinePatterns) {
        if (!pattern.empty()) pattern += '|';
        // The system name and the space are quoted; the machine part may hold glob characters.
        pattern += std::string("\"") + kSystem + " \"" + machine;
    }
    return pattern;
}

}  // namespace sshuttle::transport
