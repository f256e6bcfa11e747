// SPDX-License-Identifier: LGPL-2.1-or-later
// The mux's ByteStream over a connection made by a transport plugin.
#pragma once

#include <memory>
#include <string>

#include "stream/byte_stream.hpp"
#include "transport/plugin_connection.hpp"

namespace sshuttle::transport {

/// Drives the plugin from the Asio loop, including its once-a-second keepalive tick. When the plugin reports the
/// stream ended or dead, its reason is logged once and pending operations fail (eof or connection_reset).
std::unique_ptr<stream::ByteStream> make_plugin_stream(boost::asio::io_context& io,
                                                       std::shared_ptr<PluginConnection> connection,
                                                       std::string description);

}  // namespace sshuttle::transport
