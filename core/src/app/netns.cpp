// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/netns.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__linux__)
#include <sched.h>
#endif

#include "util/log.hpp"

namespace sshuttle::app {

void enter_network_namespace(const cli::Options& options) {
    std::string path;
    if (!options.namespace_name.empty()) {
        path = "/var/run/netns/" + options.namespace_name;  // where `ip netns add` puts them
    } else if (options.namespace_pid > 0) {
        path = "/proc/" + std::to_string(options.namespace_pid) + "/ns/net";
    } else {
        return;
    }
#if defined(__linux__)
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open network namespace '" + path + "': " + strerror(errno));
    int rc = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    if (rc != 0) throw std::runtime_error("cannot enter network namespace '" + path + "': " + strerror(saved));
    spdlog::debug("entered network namespace {}", path);
#else
    throw std::runtime_error("network namespaces ('" + path + "') exist only on Linux");
#endif
}

}  // namespace sshuttle::app
