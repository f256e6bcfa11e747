// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/plugin_server.hpp"

#include <utility>

#include "transport/plugin_stream.hpp"

namespace sshuttle::transport {

PluginServer::PluginServer(std::shared_ptr<PluginConnection> connection, std::string description, bool uploaded,
                           std::shared_ptr<const ExtraChannelSource> extra)
    : ServerConnection(std::move(description), uploaded, std::move(extra)), connection_(std::move(connection)) {}

PluginServer::~PluginServer() { end(); }

std::unique_ptr<stream::ByteStream> PluginServer::stream(boost::asio::io_context& io) {
    return make_plugin_stream(io, connection_, description());
}

std::string PluginServer::end() {
    if (!connection_) return {};
    std::string why = connection_->end_message();
    // The last owner may be the stream (or an extra channel, which keeps its parent); the connection closes
    // with it.
    connection_.reset();
    return why;
}

}  // namespace sshuttle::transport
