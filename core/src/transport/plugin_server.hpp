// SPDX-License-Identifier: LGPL-2.1-or-later
// A server reached through a transport plugin's connection (libssh2, exec, a third party's).
#pragma once

#include "transport/plugin_connection.hpp"
#include "transport/server_connection.hpp"

namespace sshuttle::transport {

class PluginServer final : public ServerConnection {
   public:
    /// connection is open and the server's sync header has been read from it.
    PluginServer(std::shared_ptr<PluginConnection> connection, std::string description, bool uploaded,
                 std::shared_ptr<const ExtraChannelSource> extra);
    ~PluginServer() override;

    std::unique_ptr<stream::ByteStream> stream(boost::asio::io_context& io) override;
    std::string end() override;

   private:
    std::shared_ptr<PluginConnection> connection_;
};

}  // namespace sshuttle::transport
