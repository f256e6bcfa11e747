// SPDX-License-Identifier: LGPL-2.1-or-later
// The dialer that makes connections to the server (ssh, a transport plugin, or the local server) off the event
// loop, so that listeners, hold timers and signals keep being served while ssh connects and authenticates.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "cli/options.hpp"
#include "transport/launch_config.hpp"
#include "transport/server_connection.hpp"
#include "transport/server_launch.hpp"

namespace sshuttle::app {

/// Makes one connection attempt at a time on a thread of its own; the result comes back through the io_context.
class ServerDialer {
   public:
    /// `error` is empty on success (and `connection` set), else one line saying why the attempt failed.
    using Done =
        std::function<void(std::unique_ptr<transport::ServerConnection> connection, const std::string& error)>;

    ServerDialer(boost::asio::io_context& io, const cli::Options& options, transport::LaunchParams params);
    /// Waits for an attempt in progress (see abandon_if_busy) and ends a connection nobody took.
    ~ServerDialer();
    ServerDialer(const ServerDialer&) = delete;
    ServerDialer& operator=(const ServerDialer&) = delete;

    /// Starts an attempt; `done` runs on the io_context. One attempt at a time. An attempt nobody could answer a
    /// prompt for (no terminal, -D) runs in batch mode (LaunchParams::batch_mode): it fails instead of asking.
    void dial(Done done);
    /// True when an attempt is still running after waiting up to `grace` for it. The caller must then leave
    /// the process without unwinding (the attempt's thread would post to a destroyed io_context).
    bool still_busy_after(std::chrono::milliseconds grace);

   private:
    struct Attempt;

    boost::asio::io_context& io_;
    const cli::Options& options_;
    const transport::LaunchConfig launch_;
    transport::LaunchParams params_;
    std::shared_ptr<Attempt> attempt_;
    std::thread thread_;
};

}  // namespace sshuttle::app
