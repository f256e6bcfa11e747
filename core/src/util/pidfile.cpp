// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/pidfile.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
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

// A pidfile without our lock may still be upstream sshuttle's (or an older version's, from before the lock):
// its pid counts as running only while that process is an sshuttle, so a recycled pid blocks nothing.
bool runs_sshuttle(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cmdline.find("sshuttle") != std::string::npos;
}

// The pid in an open pidfile (read through the descriptor: the path may be swapped meanwhile); -1 for none.
pid_t read_pid_from(int fd) {
    char buf[32] = {};
    const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return -1;
    char* end = nullptr;
    errno = 0;
    const long long pid = std::strtoll(buf, &end, 10);
    if (end == buf || errno != 0 || pid <= 0 || pid > 0x7fffffff) return -1;
    return static_cast<pid_t>(pid);
}

void warn_replacing(const std::string& path, pid_t other) {
    if (other > 0 && process_running(other))
        spdlog::warn("replacing the stale pidfile '{}' (process {} is not an sshuttle: its pid was reused)", path,
                     other);
    else if (other > 0)
        spdlog::warn("replacing the stale pidfile '{}' (process {} is gone)", path, other);
    else
        spdlog::warn("replacing the pidfile '{}', which holds no pid", path);
}

// Our instances hold an flock on their pidfile for as long as they run (inherited across the daemon's fork,
// dropped by the kernel when the process dies, so it never goes stale). Returns true when the existing file at
// path is in use; otherwise removes it if stale (or finds it gone) and returns false. `other` is its pid.
bool existing_in_use(const std::string& path, pid_t& other) {
    other = -1;
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return false;
        throw PidFileError(errno_text("cannot open the existing", path));
    }
    struct stat held {};
    if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
        close(fd);
        throw PidFileError("pidfile '" + path + "' exists and is not a regular file");
    }
    other = read_pid_from(fd);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        close(fd);
        if (error == EWOULDBLOCK) return true;
        errno = error;
        throw PidFileError(errno_text("cannot lock the existing", path));
    }
    if (process_running(other) && runs_sshuttle(other)) {
        close(fd);
        return true;
    }
    // Removed while we hold its lock, and only if the path still names the file we locked: another instance
    // may have replaced it meanwhile, with a locked file of its own that must stay.
    struct stat named {};
    const bool same = lstat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
                      held.st_ino == named.st_ino;
    if (same) {
        warn_replacing(path, other);
        if (unlink(path.c_str()) != 0 && errno != ENOENT) {
            close(fd);
            throw PidFileError(errno_text("cannot remove", path));
        }
    }
    close(fd);
    return false;
}

// A new file with our pid, already locked before anyone can see it: written under a temporary name and then
// linked into place (link() fails with EEXIST like O_EXCL), so no other instance ever finds it unlocked and
// empty and takes it for stale. Returns the locked fd, or -1 when path exists.
int create_locked(const std::string& path, pid_t pid) {
    const std::string temp = path + ".tmp." + std::to_string(getpid());
    unlink(temp.c_str());  // a leftover of a crashed start of ours
    const int fd = open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw PidFileError(errno_text("cannot create", path));
    try {
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) throw PidFileError(errno_text("cannot lock", path));
        write_pid(fd, path, pid);
        if (link(temp.c_str(), path.c_str()) != 0) {
            if (errno != EEXIST) throw PidFileError(errno_text("cannot create", path));
            unlink(temp.c_str());
            close(fd);
            return -1;
        }
    } catch (...) {
        unlink(temp.c_str());
        close(fd);
        throw;
    }
    unlink(temp.c_str());
    return fd;
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
        fd_ = create_locked(path_, pid);  // kept: it holds the lock, and later rewrites go through it
        if (fd_ >= 0) return;
        pid_t other = -1;
        if (existing_in_use(path_, other))
            throw PidFileBusy("pidfile '" + path_ + "' names process " + std::to_string(other) +
                              ", which is still running (is sshuttle already running?)");
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
