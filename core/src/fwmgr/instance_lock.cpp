// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sshuttle::fwmgr {
namespace {

/// Ports are per network namespace: two labs (or containers) may both use 12300 without meeting.
std::string netns_id() {
    struct stat st {};
    if (stat("/proc/self/ns/net", &st) != 0) return "0";
    return std::to_string(st.st_ino);
}

void require_safe_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::runtime_error("cannot create '" + dir + "': " + std::strerror(errno));
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0) throw std::runtime_error("cannot stat '" + dir + "': " + std::strerror(errno));
    // A directory another user could write would let that user pre-create or swap our lock files.
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        throw std::runtime_error("refusing lock directory '" + dir +
                                 "': not a directory owned by us and writable only by us");
}

}  // namespace

InstanceLocks::InstanceLocks(const std::string& dir, const std::vector<uint16_t>& ports) {
    std::vector<uint16_t> unique;
    for (uint16_t port : ports)
        if (port != 0 && std::find(unique.begin(), unique.end(), port) == unique.end()) unique.push_back(port);
    if (unique.empty()) return;
    require_safe_dir(dir);
    const std::string ns = netns_id();
    for (uint16_t port : unique) {
        const std::string path = dir + "/fw-" + ns + "-" + std::to_string(port) + ".lock";
        int fd = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            const int saved = errno;
            for (int held : fds_) close(held);
            throw std::runtime_error("cannot open '" + path + "': " + std::strerror(saved));
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            for (int held : fds_) close(held);
            throw std::runtime_error("port " + std::to_string(port) +
                                     " is in use by another running sshuttle firewall manager");
        }
        fds_.push_back(fd);
    }
}

InstanceLocks::~InstanceLocks() {
    for (int fd : fds_) close(fd);  // closing releases the lock; the file stays (removing it would race)
}

}  // namespace sshuttle::fwmgr
