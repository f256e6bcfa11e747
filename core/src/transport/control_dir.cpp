// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/control_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace sshuttle::transport {
namespace {

// sun_path holds 108 bytes; the socket name adds "/m<number>" and ssh a temporary ".XXXXXXXXXXXXXXXX" suffix
// while it binds, so the directory must leave room for both.
constexpr std::size_t kMaxDirLength = 60;

std::string base_directory() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime != nullptr && runtime[0] == '/' && std::strlen(runtime) < kMaxDirLength - 20) return runtime;
    return "/tmp";
}

std::atomic<unsigned> g_sockets{0};

}  // namespace

ControlDir::ControlDir() {
    std::string pattern = base_directory() + "/sshuttle-ssh-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr)
        throw std::runtime_error("cannot create a private directory '" + pattern + "' for ssh's connection sharing: " +
                                 std::strerror(errno));
    path_ = buffer.data();  // mkdtemp makes it 0700
}

ControlDir::~ControlDir() {
    std::error_code ignored;  // best effort: a socket ssh still holds goes with the directory anyway
    std::filesystem::remove_all(path_, ignored);
}

std::string next_control_socket(const std::string& dir) { return dir + "/m" + std::to_string(++g_sockets); }

}  // namespace sshuttle::transport
