// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/netns.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/real_host.hpp"

namespace sshuttle::test {

void in_fresh_netns(const std::function<void()>& body) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            if (unshare(CLONE_NEWNET) != 0)
                throw std::runtime_error(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
            if (run_real({"ip", "link", "set", "lo", "up"}).status != 0)
                throw std::runtime_error("'ip link set lo up' failed in the new namespace");
            body();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace sshuttle::test
