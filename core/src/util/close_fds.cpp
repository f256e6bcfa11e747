// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/close_fds.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace sshuttle::util {

void close_fds_from(int first) {
    if (close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
    // Older kernels: the open ones are listed in /proc/self/fd (scanning up to RLIMIT_NOFILE could take long).
    std::vector<int> open_fds;
    if (DIR* dir = opendir("/proc/self/fd")) {
        while (dirent* entry = readdir(dir)) {
            int fd = std::atoi(entry->d_name);
            if (fd >= first && fd != dirfd(dir)) open_fds.push_back(fd);
        }
        closedir(dir);
    }
    for (int fd : open_fds) close(fd);
}

}  // namespace sshuttle::util
