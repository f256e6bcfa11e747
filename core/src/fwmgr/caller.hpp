// SPDX-License-Identifier: LGPL-2.1-or-later
// Who asked for this firewall manager. It runs as root, but usually through sudo or doas on behalf of a plain
// user, often by a NOPASSWD rule: then it may only do what that user could ask for (caller_checks.hpp).
//
// The sources, none of which the caller can forge:
//  - SO_PEERCRED of the client socket (stdin): the kernel records who created the socketpair;
//  - SUDO_UID/SUDO_GID: set by sudo itself from the invoking user, after its environment filtering (the
//    generated sudoers rule grants no SETENV, so `sudo SUDO_UID=0 ...` is refused);
//  - DOAS_USER: set by doas itself.
// The caller counts as root only when every source present says uid 0; any one naming a plain user makes it
// that user (a user handing the manager a socket created by some root process is still that user).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace sshuttle::fwmgr {

struct Caller {
    bool root = true;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string how;  // which source decided, for log lines ("SUDO_UID", "peer credentials"...)
};

/// What one source says: a uid and gid.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
};

/// The caller from the sources given (each absent when that source did not say anything). Pure.
Caller decide_caller(const std::optional<Identity>& peer, const std::optional<Identity>& sudo,
                     const std::optional<Identity>& doas);

/// The caller of this process: SO_PEERCRED of client_fd, SUDO_UID/SUDO_GID, DOAS_USER (looked up in passwd).
/// A SUDO_UID that is not a number counts as an unknown plain user (uid 65534), never as root.
Caller identify_caller(int client_fd);

}  // namespace sshuttle::fwmgr
