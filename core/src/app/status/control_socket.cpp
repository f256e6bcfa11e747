// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/control_socket.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace sshuttle::app::status {
namespace {

constexpr const char* kRootDir = "/run/sshuttle";
constexpr std::string_view kSuffix = ".sock";

std::string error_text(const std::string& what, const std::string& path) {
    return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

/// SUDO_UID of a root process started through sudo; -1 otherwise or when it is not a plain number.
int64_t sudo_uid() {
    const char* text = std::getenv("SUDO_UID");
    if (!text || !*text) return -1;
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value <= 0 || value > 0x7fffffff) return -1;
    return value;
}

/// The socket's path for bind(): through /proc/self/fd/<dir_fd>, so the checked directory is the one used
/// even if its path were swapped meanwhile. Falls back to the plain path where /proc is not mounted.
std::string bind_path(int dir_fd, const std::string& dir, const std::string& name) {
    const std::string via_fd = fmt::format("/proc/self/fd/{}", dir_fd);
    struct stat st {};
    if (::stat(via_fd.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return via_fd + "/" + name;
    return dir + "/" + name;
}

}  // namespace

std::vector<std::string> socket_dirs_for(uid_t euid, const char* xdg_runtime_dir) {
    if (euid == 0) return {kRootDir};
    std::vector<std::string> dirs;
    if (xdg_runtime_dir && xdg_runtime_dir[0] == '/') dirs.push_back(std::string(xdg_runtime_dir) + "/sshuttle");
    const std::string run_user = fmt::format("/run/user/{}/sshuttle", euid);
    if (dirs.empty() || dirs.front() != run_user) dirs.push_back(run_user);
    dirs.push_back(fmt::format("/tmp/sshuttle-{}", euid));
    return dirs;
}

std::string socket_name(pid_t pid, const std::string& profile) {
    std::string safe;
    for (const char c : profile.substr(0, 32)) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        safe += ok ? c : '_';
    }
    if (!safe.empty() && safe.front() == '.') safe.front() = '_';  // never a hidden or "." / ".." name
    return (safe.empty() ? "" : safe + "-") + std::to_string(pid) + std::string(kSuffix);
}

std::optional<pid_t> pid_of_socket_name(const std::string& name) {
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
    const std::string stem = name.substr(0, name.size() - kSuffix.size());
    const auto dash = stem.rfind('-');
    const std::string digits = dash == std::string::npos ? stem : stem.substr(dash + 1);
    if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const long value = std::stol(digits);
    if (value <= 0) return std::nullopt;
    return static_cast<pid_t>(value);
}

int open_checked_dir(const std::string& dir, uid_t owner, mode_t mode, std::string& why) {
    const bool created = ::mkdir(dir.c_str(), mode) == 0;
    if (!created && errno != EEXIST) {
        why = error_text("cannot create", dir);
        return -1;
    }
    // O_NOFOLLOW: a symlink planted where the directory should be is refused, not followed.
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        why = errno == ELOOP || errno == ENOTDIR ? fmt::format("{} is not a directory (a symlink?); not used", dir)
                                                 : error_text("cannot open", dir);
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        why = error_text("cannot stat", dir);
        ::close(fd);
        return -1;
    }
    if (st.st_uid != owner) {
        why = fmt::format("{} belongs to uid {}, not {}; not used", dir, st.st_uid, owner);
        ::close(fd);
        return -1;
    }
    // mkdir's mode went through the umask: a root client's 0755 must not end up 0700 for its sudo user.
    if (created && (st.st_mode & 07777) != mode && ::fchmod(fd, mode) == 0) st.st_mode = (st.st_mode & ~07777) | mode;
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        why = fmt::format("{} is writable by others (mode {:o}); not used", dir, st.st_mode & 07777);
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<ControlSocket> ControlSocket::create(const std::string& profile, std::string& why) {
    const uid_t euid = ::geteuid();
    const std::string name = socket_name(::getpid(), profile);
    // Root's directory is readable so that a sudo user finds its own socket; a user's is private.
    const mode_t dir_mode = euid == 0 ? 0755 : 0700;
    const int64_t reader = euid == 0 ? sudo_uid() : -1;
    std::string reasons;
    for (const auto& dir : socket_dirs_for(euid, std::getenv("XDG_RUNTIME_DIR"))) {
        std::string one_why;
        if (auto socket = create_in(dir, euid, dir_mode, name, reader, one_why)) return socket;
        reasons += (reasons.empty() ? "" : "; ") + one_why;
    }
    why = reasons;
    return std::nullopt;
}

std::optional<ControlSocket> ControlSocket::create_in(const std::string& dir, uid_t owner, mode_t dir_mode,
                                                      const std::string& name, int64_t extra_reader,
                                                      std::string& why) {
    ControlSocket result;
    result.dir_fd_ = open_checked_dir(dir, owner, dir_mode, why);
    if (result.dir_fd_ < 0) return std::nullopt;
    result.name_ = name;
    result.path_ = dir + "/" + name;
    // A socket of a dead client that had our pid: nobody answers there any more.
    ::unlinkat(result.dir_fd_, name.c_str(), 0);

    const std::string path = bind_path(result.dir_fd_, dir, name);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        why = fmt::format("{}: path too long for a Unix socket", path);
        return std::nullopt;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    result.listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (result.listen_fd_ < 0) {
        why = error_text("socket() for", result.path_);
        return std::nullopt;
    }
    if (::bind(result.listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        why = error_text("cannot bind", result.path_);
        return std::nullopt;
    }
    // Between bind and chmod the directory's own mode (0700, or root-only writes) and the peer check protect it.
    if (::fchmodat(result.dir_fd_, name.c_str(), 0600, 0) != 0) {
        why = error_text("cannot chmod", result.path_);
        return std::nullopt;
    }
    result.allowed_.push_back(owner);
    if (extra_reader >= 0) {
        if (::fchownat(result.dir_fd_, name.c_str(), static_cast<uid_t>(extra_reader), static_cast<gid_t>(-1),
                       AT_SYMLINK_NOFOLLOW) != 0) {
            why = error_text("cannot chown", result.path_);
            return std::nullopt;
        }
        result.allowed_.push_back(static_cast<uid_t>(extra_reader));
    }
    if (::listen(result.listen_fd_, 16) != 0) {
        why = error_text("cannot listen on", result.path_);
        return std::nullopt;
    }
    return result;
}

ControlSocket::ControlSocket(ControlSocket&& other) noexcept
    : dir_fd_(std::exchange(other.dir_fd_, -1)),
      listen_fd_(std::exchange(other.listen_fd_, -1)),
      name_(std::move(other.name_)),
      path_(std::move(other.path_)),
      allowed_(std::move(other.allowed_)) {}

ControlSocket& ControlSocket::operator=(ControlSocket&& other) noexcept {
    if (this != &other) {
        remove();
        dir_fd_ = std::exchange(other.dir_fd_, -1);
        listen_fd_ = std::exchange(other.listen_fd_, -1);
        name_ = std::move(other.name_);
        path_ = std::move(other.path_);
        allowed_ = std::move(other.allowed_);
    }
    return *this;
}

ControlSocket::~ControlSocket() { remove(); }

void ControlSocket::remove() {
    if (listen_fd_ >= 0) ::close(std::exchange(listen_fd_, -1));
    if (dir_fd_ >= 0) {
        if (!name_.empty()) ::unlinkat(dir_fd_, name_.c_str(), 0);
        ::close(std::exchange(dir_fd_, -1));
    }
}

int ControlSocket::release_fd() { return std::exchange(listen_fd_, -1); }

std::vector<std::string> find_control_sockets(uid_t euid, const char* xdg_runtime_dir) {
    std::vector<std::string> dirs = socket_dirs_for(euid, xdg_runtime_dir);
    if (euid != 0) dirs.push_back(kRootDir);  // a sudo-started client's socket, chowned to this user
    std::vector<std::string> found;
    for (const auto& dir : dirs) {
        const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0) continue;
        struct stat dir_stat {};
        // Only directories that could have been made by the expected owner (root's, or this user's).
        if (::fstat(dir_fd, &dir_stat) != 0 || (dir_stat.st_uid != 0 && dir_stat.st_uid != euid) ||
            (dir_stat.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
            ::close(dir_fd);
            continue;
        }
        DIR* listing = ::fdopendir(dir_fd);
        if (!listing) {
            ::close(dir_fd);
            continue;
        }
        while (const dirent* entry = ::readdir(listing)) {
            const std::string name = entry->d_name;
            if (!pid_of_socket_name(name)) continue;
            struct stat st {};
            if (::fstatat(dirfd(listing), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            if (!S_ISSOCK(st.st_mode) || (euid != 0 && st.st_uid != euid)) continue;
            found.push_back(dir + "/" + name);
        }
        ::closedir(listing);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

}  // namespace sshuttle::app::status
