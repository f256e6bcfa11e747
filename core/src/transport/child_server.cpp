// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/child_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <utility>

#include "stream/fd_stream.hpp"
#include "transport/exit_status.hpp"
#include "util/stderr_relay.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kTermGraceSteps = 50;  // x 20 ms: a second for the server to exit on SIGTERM
constexpr useconds_t kStepMicros = 20000;

}  // namespace

ChildServer::ChildServer(util::Child child, std::string description, bool uploaded,
                         std::shared_ptr<const ExtraChannelSource> extra)
    : ServerConnection(std::move(description), uploaded, std::move(extra)), child_(child) {}

ChildServer::~ChildServer() { end(); }

std::unique_ptr<stream::ByteStream> ChildServer::stream(boost::asio::io_context& io) {
    // The stream owns the socket from now on.
    return stream::make_fd_stream(io, std::exchange(child_.fd, -1), description());
}

util::Child ChildServer::release() {
    ended_ = true;
    return std::exchange(child_, util::Child{});
}

std::string ChildServer::end() {
    if (ended_) return {};
    ended_ = true;
    const std::string how = stop_child();
    if (child_.fd >= 0) close(std::exchange(child_.fd, -1));  // no stream took it
    return how;
}

std::string ChildServer::stop_child() {
    int status = 0;
    bool alive = server_alive(child_.pid, &status);
    if (!alive) {
        // Its last words ("Timeout, server not responding") are shown before the caller says it ended.
        if (const util::StderrRelay* relay = util::process_stderr_relay()) relay->drain(std::chrono::milliseconds(500));
        return describe_exit(status);
    }
    kill(child_.pid, SIGTERM);
    for (int i = 0; i < kTermGraceSteps && alive; ++i) {
        usleep(kStepMicros);
        alive = server_alive(child_.pid, &status);
    }
    if (alive) {
        kill(child_.pid, SIGKILL);
        while (server_alive(child_.pid, &status)) usleep(kStepMicros / 4);
    }
    return {};
}

}  // namespace sshuttle::transport
