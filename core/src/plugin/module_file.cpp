// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/module_file.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "plugin/plugins.hpp"

namespace sshuttle::plugin {
namespace fs = std::filesystem;
namespace {

/// Closes a descriptor at scope exit (the walk holds one directory at a time).
class ScopedFd {
   public:
    explicit ScopedFd(int fd) : fd_(fd) {}
    ~ScopedFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    ScopedFd(const ScopedFd&) = delete;
    ScopedFd& operator=(const ScopedFd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

   private:
    int fd_;
};

bool writable_by_others(const struct stat& st) { return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0; }

// Empty when root may traverse the directory, else why not.
std::string untrusted_directory(const struct stat& st) {
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid);
    // Sticky: others may create entries but not rename or remove root's, and the next entry is checked in turn.
    if (writable_by_others(st) && (st.st_mode & S_ISVTX) == 0) return "is writable by group or others";
    return {};
}

// Empty when root may load the file, else why not.
std::string untrusted_file(const struct stat& st) {
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid);
    if (writable_by_others(st)) return "is writable by group or others";
    return {};
}

[[noreturn]] void refuse(const fs::path& file, const std::string& detail) { throw PluginError(file, detail); }

std::string open_error(const fs::path& what, int error) {
    // ELOOP from O_NOFOLLOW: a component became a symlink after the path was resolved.
    if (error == ELOOP) return what.string() + " changed while it was being opened (now a symlink)";
    return "cannot open " + what.string() + ": " + std::strerror(error);
}

// Root: walk the resolved path from /, checking each directory through the descriptor the next step uses.
int open_checked_as_root(const fs::path& file, const fs::path& real) {
    ScopedFd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) refuse(file, open_error("/", errno));
    fs::path walked = "/";
    const fs::path relative = real.relative_path();
    for (auto it = relative.begin(); it != relative.end(); ++it) {
        struct stat st {};
        if (::fstat(dir.get(), &st) != 0) refuse(file, open_error(walked, errno));
        if (std::string why = untrusted_directory(st); !why.empty())
            refuse(file, "directory " + walked.string() + " " + why + "; running as root, refusing it");
        const bool last = std::next(it) == relative.end();
        // O_NONBLOCK: a FIFO put in place of the module must not hang the open (fstat refuses it below).
        const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY);
        int next = ::openat(dir.get(), it->c_str(), flags);
        walked /= *it;
        if (next < 0) refuse(file, open_error(walked, errno));
        dir.reset(next);
    }
    return dir.release();
}

}  // namespace

ModuleFile ModuleFile::open(const fs::path& file) {
    std::error_code ec;
    const fs::path real = fs::canonical(file, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) refuse(file, "no such file");
        refuse(file, "cannot resolve the path: " + ec.message());
    }
    const bool as_root = ::geteuid() == 0;
    ScopedFd fd(as_root ? open_checked_as_root(file, real)
                        : ::open(real.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) refuse(file, open_error(real, errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) refuse(file, open_error(real, errno));
    if (!S_ISREG(st.st_mode)) refuse(file, "not a regular file");
    if (as_root) {
        if (std::string why = untrusted_file(st); !why.empty())
            refuse(file, "the file " + why + "; running as root, refusing it");
    }
    return ModuleFile(fd.release());
}

ModuleFile::ModuleFile(ModuleFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ModuleFile::~ModuleFile() {
    if (fd_ < 0) return;
    // glibc finds an already loaded object by the name it was opened with. A module that stays mapped after
    // dlclose (nodelete, unique symbols) keeps "/proc/self/fd/N" as its name: if N were reused for another file,
    // dlopen would hand back the old module. So N stays open, and never reused, while anything holds that name.
    if (void* still_loaded = ::dlopen(load_path().c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
        ::dlclose(still_loaded);
        return;
    }
    ::close(fd_);
}

std::string ModuleFile::load_path() const { return "/proc/self/fd/" + std::to_string(fd_); }

}  // namespace sshuttle::plugin
