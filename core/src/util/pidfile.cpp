// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/pidfile.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "util/log.hpp"

namespace sshuttle::util {
namespace {

// EPERM means the process exists but belongs to someone else: still running.
bool process_running(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " pidfile '" + path + "': " + std::strerror(errno);
}

void write_pid(int fd, const std::string& path, pid_t pid) {
    const std::string text = std::to_string(pid) + "\n";
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        throw PidFileError(errno_text("cannot write", path));
}

}  // namespace

std::string absolute_path(const std::string& path) {
    if (!path.empty() && path.front() == '/') return path;
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) throw PidFileError(errno_text("cannot resolve the directory of", path));
    return std::string(buf) + "/" + path;
}

pid_t read_pidfile(const std::string& path) {
    std::ifstream in(path);
    long long pid = -1;
    if (!(in >> pid) || pid <= 0 || pid > 0x7fffffff) return -1;
    return static_cast<pid_t>(pid);
}

PidFile::PidFile(const std::string& path, pid_t pid) : path_(absolute_path(path)), pid_(pid), owner_(getpid()) {
    // A few rounds only: each round either creates the file or removes a stale one; a file that keeps coming
    // back means another instance is starting at the same moment.
    for (int round = 0; round < 3; ++round) {
        int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            fd_ = fd;  // kept: later rewrites go through it, never through the path (which a user could swap)
            try {
                write_pid(fd_, path_, pid);
            } catch (...) {
                close(fd_);
                throw;
            }
            return;
        }
        if (errno != EEXIST) throw PidFileError(errno_text("cannot create", path_));
        const pid_t other = read_pidfile(path_);
        if (process_running(other))
            throw PidFileBusy("pidfile '" + path_ + "' names process " + std::to_string(other) +
                              ", which is still running (is sshuttle already running?)");
        if (other > 0)
            spdlog::warn("replacing the stale pidfile '{}' (process {} is gone)", path_, other);
        else
            spdlog::warn("replacing the pidfile '{}', which holds no pid", path_);
        if (unlink(path_.c_str()) != 0 && errno != ENOENT) throw PidFileError(errno_text("cannot remove", path_));
    }
    throw PidFileError("pidfile '" + path_ + "' keeps reappearing: is another sshuttle starting?");
}

PidFile::~PidFile() {
    if (owner_ == getpid()) remove();
    if (fd_ >= 0) close(fd_);
}

void PidFile::rewrite(pid_t pid) {
    write_pid(fd_, path_, pid);
    pid_ = pid;
}

void PidFile::adopt() {
    owner_ = getpid();
    pid_ = owner_;  // the parent writes our pid into the file right after fork
}

void PidFile::remove() {
    // Only our own: someone may have replaced a file we were slow to remove.
    if (read_pidfile(path_) == pid_ && unlink(path_.c_str()) != 0 && errno != ENOENT)
        spdlog::warn("{}", errno_text("cannot remove", path_));
}

}  // namespace sshuttle::util
