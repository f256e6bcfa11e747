// SPDX-License-Identifier: LGPL-2.1-or-later
// A started child server (ssh, --server-cmd, local) taken over by a test that drives its raw socket.
#pragma once

#include <doctest/doctest.h>

#include <sys/types.h>

#include <memory>
#include <string>

#include "transport/child_server.hpp"

namespace sshuttle::test {

struct StartedChild {
    pid_t pid = -1;  // the test reaps it
    int fd = -1;     // the test closes it; the next byte is the mux's
    std::string description;
    bool uploaded = false;
};

/// The process and socket of a server that start_server ran as a child; the connection object lets go of them.
inline StartedChild take_child(std::unique_ptr<transport::ServerConnection> server) {
    auto* child = dynamic_cast<transport::ChildServer*>(server.get());
    REQUIRE_MESSAGE(child != nullptr, "the server is not a child process: " << server->description());
    const util::Child released = child->release();
    return {released.pid, released.fd, server->description(), server->uploaded()};
}

}  // namespace sshuttle::test
