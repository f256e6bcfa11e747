// SPDX-License-Identifier: LGPL-2.1-or-later
// systemd service notification (sd_notify(3) from libsystemd). Every call does nothing unless systemd (or a test)
// put NOTIFY_SOCKET in our environment. A separate library from sshuttle_util: the statically linked server
// helper is built from sshuttle_util's objects and must not need libsystemd.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace sshuttle::util {

/// True when NOTIFY_SOCKET is set (a Type=notify service).
bool notify_socket_set();

/// READY=1 plus STATUS=status: start-up is complete (rules installed).
void notify_ready(const std::string& status);

/// STATUS=status.
void notify_status(const std::string& status);

/// STOPPING=1: teardown has begun (rules are being removed).
void notify_stopping();

/// Sends STATUS=status() about once per `period` when the text changed since the last one, while
/// NOTIFY_SOCKET is set. Polling rather than a call per connection keeps a burst of thousands of connections
/// from becoming thousands of datagrams to systemd.
class StatusTicker {
   public:
    StatusTicker(boost::asio::io_context& io, std::function<std::string()> status,
                 std::chrono::milliseconds period = std::chrono::seconds(1));
    /// Starts ticking (nothing when NOTIFY_SOCKET is unset); the first update goes out once status() differs
    /// from what it returns now.
    void start();
    void stop();

   private:
    void arm();

    boost::asio::steady_timer timer_;
    std::function<std::string()> status_;
    std::chrono::milliseconds period_;
    std::string last_;
    bool running_ = false;
};

}  // namespace sshuttle::util
