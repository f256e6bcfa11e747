// SPDX-License-Identifier: LGPL-2.1-or-later
// Where a client's control socket lives, and creating it safely.
//
//   root (euid 0)   /run/sshuttle/<name>            directory root's, 0755 (so `sshuttle status` of a sudo user
//                                                   can reach its own socket); the socket 0600
//   a plain user    $XDG_RUNTIME_DIR/sshuttle/, else /run/user/<uid>/sshuttle/, else /tmp/sshuttle-<uid>/
//                                                   directory the user's, 0700; the socket 0600
//
// <name> is "<pid>.sock", or "<profile>-<pid>.sock" with --profile, so several clients are told apart. A
// directory that exists already is used only when it is a real directory (not a symlink), owned by the
// expected user and writable by nobody else; the socket is created, chmodded and removed through that
// directory's descriptor, so a symlink planted in the path cannot redirect it. A client started by root through
// sudo chowns its socket to SUDO_UID (still 0600) so that user can ask it too. Whoever connects is checked
// again (SO_PEERCRED, control_server.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sshuttle::app::status {

/// The directories, most preferred first, where a process of `euid` keeps its socket. Pure.
std::vector<std::string> socket_dirs_for(uid_t euid, const char* xdg_runtime_dir);
/// "<pid>.sock" or "<profile>-<pid>.sock"; characters outside [A-Za-z0-9._-] in the profile become '_'.
std::string socket_name(pid_t pid, const std::string& profile);
/// The pid in a name socket_name() made; nullopt for anything else.
std::optional<pid_t> pid_of_socket_name(const std::string& name);

/// Opens `dir` (creating it with `mode` when missing; its parent must exist) and checks it: a directory, not a
/// symlink, owned by `owner`, not writable by group or others. Returns an O_DIRECTORY descriptor, or -1 with
/// `why` naming the path and the problem.
int open_checked_dir(const std::string& dir, uid_t owner, mode_t mode, std::string& why);

/// The listening socket of one client, removed again by the destructor.
class ControlSocket {
   public:
    /// Binds and listens in the first usable directory of socket_dirs_for(geteuid()); nullopt with `why`
    /// when none could be used (the client then runs without a status socket).
    static std::optional<ControlSocket> create(const std::string& profile, std::string& why);
    /// The same in a given directory, for `owner` (tests); `extra_reader` >= 0 gets the socket chowned to it.
    static std::optional<ControlSocket> create_in(const std::string& dir, uid_t owner, mode_t dir_mode,
                                                  const std::string& name, int64_t extra_reader,
                                                  std::string& why);
    ControlSocket(ControlSocket&& other) noexcept;
    ControlSocket& operator=(ControlSocket&& other) noexcept;
    ControlSocket(const ControlSocket&) = delete;
    ~ControlSocket();

    /// The listening descriptor (non-blocking, close-on-exec); the caller takes it over with release_fd().
    int release_fd();
    const std::string& path() const { return path_; }
    /// Who may ask besides root: the process's euid and, under sudo, SUDO_UID.
    std::vector<uid_t> allowed_uids() const { return allowed_; }

   private:
    ControlSocket() = default;
    void remove();
    int dir_fd_ = -1;
    int listen_fd_ = -1;
    std::string name_;
    std::string path_;
    std::vector<uid_t> allowed_;
};

/// The control sockets a `sshuttle status` run by `euid` can reach: in its own directory and in /run/sshuttle,
/// sockets (not symlinks) owned by euid (root: every one). Sorted by path.
std::vector<std::string> find_control_sockets(uid_t euid, const char* xdg_runtime_dir);

}  // namespace sshuttle::app::status
