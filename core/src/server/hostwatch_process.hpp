// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's hostwatch child. Like upstream, the watcher is a forked child: its lookups block for seconds at a
// time, and the server's event loop must not. The child writes "name,ip\n" lines into a socketpair; the server
// reads them in its loop and hands on whole lines, as many as fit in one HOST_LIST frame.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <functional>
#include <memory>
#include <string>

#include "server/hostwatch.hpp"

namespace sshuttle::server {

class HostwatchProcess : public std::enable_shared_from_this<HostwatchProcess> {
   public:
    /// Gets complete lines, at most max_payload bytes per call.
    using OnLines = std::function<void(const std::string& lines)>;

    /// Forks the watcher; throws std::runtime_error when it cannot.
    static std::shared_ptr<HostwatchProcess> start(boost::asio::io_context& io, const HostwatchConfig& config,
                                                   std::size_t max_payload, OnLines on_lines);

    HostwatchProcess(boost::asio::io_context& io, std::size_t max_payload, OnLines on_lines);
    ~HostwatchProcess();
    HostwatchProcess(const HostwatchProcess&) = delete;
    HostwatchProcess& operator=(const HostwatchProcess&) = delete;

    /// Ends the child (SIGTERM) and reaps it; no more on_lines calls. Safe to call twice.
    void stop();

    pid_t pid() const { return pid_; }

   private:
    void read_more();
    void deliver();

    boost::asio::local::stream_protocol::socket socket_;
    std::size_t max_payload_;
    OnLines on_lines_;
    pid_t pid_ = -1;
    std::string buffer_;
    char chunk_[4096];
};

}  // namespace sshuttle::server
