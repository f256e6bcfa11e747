// SPDX-License-Identifier: LGPL-2.1-or-later
// The two ends of a started server's life as the client session sees them: its stream, and stopping it.
#include <signal.h>
#include <unistd.h>

#include "transport/plugin_connection.hpp"
#include "transport/plugin_stream.hpp"
#include "transport/server_launch.hpp"
#include "util/stderr_relay.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kTermGraceSteps = 50;   // x 20 ms: a second for the server to exit on SIGTERM
constexpr useconds_t kStepMicros = 20000;

}  // namespace

std::unique_ptr<stream::ByteStream> make_server_stream(boost::asio::io_context& io, const ServerLaunch& server) {
    if (server.plugin) return make_plugin_stream(io, server.plugin, server.description);
    return stream::make_fd_stream(io, server.fd, server.description);
}

std::string stop_server(ServerLaunch& server) {
    if (server.plugin) {
        std::string why = server.plugin->end_message();
        server.plugin.reset();  // the last owner may be the stream; the connection closes with it
        return why;
    }
    int status = 0;
    bool alive = server_alive(server.pid, &status);
    if (!alive) {
        // Its last words ("Timeout, server not responding") are shown before the caller says it ended.
        if (const util::StderrRelay* relay = util::process_stderr_relay()) relay->drain(std::chrono::milliseconds(500));
        return describe_exit(status);
    }
    kill(server.pid, SIGTERM);
    for (int i = 0; i < kTermGraceSteps && alive; ++i) {
        usleep(kStepMicros);
        alive = server_alive(server.pid, &status);
    }
    if (alive) {
        kill(server.pid, SIGKILL);
        while (server_alive(server.pid, &status)) usleep(kStepMicros / 4);
    }
    return {};
}

}  // namespace sshuttle::transport
