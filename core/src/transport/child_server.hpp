// SPDX-License-Identifier: LGPL-2.1-or-later
// A server running as our child on a socketpair: the ssh program, a --server-cmd shell, or the local server.
#pragma once

#include <sys/types.h>

#include "transport/server_connection.hpp"
#include "util/process.hpp"

namespace sshuttle::transport {

class ChildServer final : public ServerConnection {
   public:
    /// child.fd is our end of the socketpair, its sync header read; the object owns the process and the fd.
    ChildServer(util::Child child, std::string description, bool uploaded,
                std::shared_ptr<const ExtraChannelSource> extra);
    ~ChildServer() override;

    std::unique_ptr<stream::ByteStream> stream(boost::asio::io_context& io) override;
    std::string end() override;

    /// Hands the process and the socket to the caller, who must reap and close them (tests that drive the raw
    /// socket); end() and the destructor then leave them alone.
    util::Child release();

   private:
    std::string stop_child();

    util::Child child_;
    bool ended_ = false;
};

}  // namespace sshuttle::transport
