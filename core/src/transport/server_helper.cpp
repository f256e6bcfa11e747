// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/server_helper.hpp"

#include <sys/stat.h>

#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "transport/transport_error.hpp"
#include "util/install_layout.hpp"

namespace sshuttle::transport {
namespace {

bool file_exists(const char* path) {
    struct stat st {};
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

std::string hex(const unsigned char* bytes, std::size_t size) {
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        char part[3];
        std::snprintf(part, sizeof part, "%02x", bytes[i]);
        out += part;
    }
    return out;
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
    const std::vector<std::filesystem::path> candidates = util::own_server_helpers();
    for (const auto& candidate : candidates) {
        if (file_exists(candidate.c_str())) return candidate.string();
    }
    return candidates.front().string();
}

ServerHelper load_server_helper(const std::string& path, std::string_view expected_sha256) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TransportError("cannot read the server helper '" + path + "': " + std::strerror(errno) +
                             " (build the sshuttle-server target, set SSHUTTLE_SERVER_HELPER, or use --server-cmd)");
    }
    ServerHelper helper;
    helper.path = path;
    // One read of the known size: streaming 2.5 MB through a stringstream cost a few ms per start.
    in.seekg(0, std::ios::end);
    helper.content.resize(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)));
    in.seekg(0, std::ios::beg);
    in.read(helper.content.data(), static_cast<std::streamsize>(helper.content.size()));
    if (!in) throw TransportError("cannot read the server helper '" + path + "': " + std::strerror(errno));
    if (helper.content.empty()) throw TransportError("the server helper '" + path + "' is empty");
    helper.hash = sha256_hex(helper.content);
    // Whoever could write this file (a build tree, a path in the environment) must not get their program run
    // on the user's remote accounts: only the helper this client was built with is uploaded.
    if (helper.hash != expected_sha256) {
        throw TransportError("the server helper '" + path + "' is not the one this sshuttle was built with (SHA-256 " +
                             helper.hash + ", expected " + std::string(expected_sha256) +
                             "): refusing to upload it (reinstall sshuttle, or use --server-cmd or --python)");
    }
    return helper;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return hex(digest, sizeof digest);
}

std::string content_hash(const std::string& data) {
    // OpenSSL's SHA-1: Boost's byte-at-a-time SHA-1 cost ~20 ms of every start for a few MB.
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return hex(digest, sizeof digest);
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
