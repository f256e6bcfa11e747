// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's pidfile: claimed with an exclusive create, so two daemons never share one; a file left behind by
// a process that is gone is replaced (with a warning); removed again by the process that owns it.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace sshuttle::util {

/// The pidfile names a process that is still running (upstream exits with status 5 then).
class PidFileBusy : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

/// Any other failure (cannot create, write or read it); the message names the file.
class PidFileError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

/// `path` made absolute against the current directory (the daemon changes to / later).
std::string absolute_path(const std::string& path);

/// The pid written in the file at path; -1 when it is missing, empty or not a number.
pid_t read_pidfile(const std::string& path);

class PidFile {
   public:
    /// Creates path (made absolute) with O_EXCL and writes pid into it. An existing file whose pid is not
    /// running (or holds no pid) is replaced with a warning; a running one throws PidFileBusy.
    PidFile(const std::string& path, pid_t pid);
    /// Removes the file when this process owns it and it still holds our pid.
    ~PidFile();
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

    /// Puts another pid in the file (the parent claims it, then hands it to the forked daemon).
    void rewrite(pid_t pid);
    /// After fork, in the child: it becomes the owner that removes the file, which (once the parent has
    /// rewritten it) holds the child's pid.
    void adopt();
    /// This process stops owning the file: its copy is left alone on destruction.
    void disown() { owner_ = -1; }
    /// Removes the file now if it still holds the pid written last (whoever owns it).
    void remove();

    const std::string& path() const { return path_; }

   private:
    std::string path_;
    pid_t pid_ = -1;    // the pid written into the file
    pid_t owner_ = -1;  // the process whose destructor removes it
    int fd_ = -1;       // the file as created (O_EXCL): rewritten through this, not reopened by name
};

}  // namespace sshuttle::util
