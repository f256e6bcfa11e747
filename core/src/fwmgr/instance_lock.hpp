// SPDX-License-Identifier: LGPL-2.1-or-later
// One running firewall manager per redirect port (and network namespace). The method plugins name their
// chains and tables by port, and a setup removes stale rules of its port first: a second session on a port in
// use would wipe a running instance's rules and leave it uncaptured. So each session holds an exclusive
// flock() on <dir>/fw-<netns inode>-<port>.lock for its whole life. The kernel drops the lock when the holder
// dies in any way (SIGKILL and the OOM killer included), so a manager that died never blocks the next one,
// which then removes what it left (setup removes stale rules of the port).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sshuttle::fwmgr {

/// Where production keeps the lock files: root-owned and not writable by anyone else (checked).
inline constexpr const char* kInstanceLockDir = "/run/sshuttle";

class InstanceLocks {
   public:
    /// Takes the lock of each port (0s and duplicates skipped). Throws std::runtime_error naming the port when
    /// another live instance holds it, or when dir is unsafe (not root-owned, writable by others, a symlink).
    InstanceLocks(const std::string& dir, const std::vector<uint16_t>& ports);
    ~InstanceLocks();
    InstanceLocks(const InstanceLocks&) = delete;
    InstanceLocks& operator=(const InstanceLocks&) = delete;

   private:
    std::vector<int> fds_;
};

}  // namespace sshuttle::fwmgr
