// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace sshuttle::util {

long raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        const auto wanted = limit.rlim_max;
        limit.rlim_cur = wanted;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            spdlog::debug("raising the fd limit to {} failed: {}", wanted, std::strerror(errno));
            ::getrlimit(RLIMIT_NOFILE, &limit);
        }
    }
    return limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(limit.rlim_cur);
}

}  // namespace sshuttle::util
