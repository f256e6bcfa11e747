// SPDX-License-Identifier: LGPL-2.1-or-later
// Opens the extra SSH channels (issue 17) off the event loop: each is a server started over the primary's SSH
// connection (transport::ExtraChannelSource::open), which blocks until the server's sync header has arrived. Several
// may be opening at once, so each attempt has a thread; results come back through the io_context.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "transport/server_connection.hpp"

namespace sshuttle::app {

class ChannelDialer {
   public:
    /// `error` is empty on success (and `connection` set), else one line saying why the channel did not open.
    using Done = std::function<void(uint64_t id, std::unique_ptr<transport::ServerConnection> connection,
                                    const std::string& error)>;

    explicit ChannelDialer(boost::asio::io_context& io) : io_(io) {}
    /// Waits for the attempts still running (see still_busy_after); a connection nobody took is ended.
    ~ChannelDialer();
    ChannelDialer(const ChannelDialer&) = delete;
    ChannelDialer& operator=(const ChannelDialer&) = delete;

    /// Starts opening channel `id` from `source`; `done` runs on the io_context.
    void dial(uint64_t id, std::shared_ptr<const transport::ExtraChannelSource> source, Done done);
    /// True when an attempt is still running after waiting up to `grace` for all of them (the caller must then
    /// leave without unwinding, as with ServerDialer).
    bool still_busy_after(std::chrono::milliseconds grace);

   private:
    struct Attempt;
    void join_finished();

    boost::asio::io_context& io_;
    std::list<std::shared_ptr<Attempt>> attempts_;
};

}  // namespace sshuttle::app
