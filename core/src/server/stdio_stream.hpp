// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's ByteStream: reads one fd (stdin) and writes another (stdout), as under ssh.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>

#include "stream/byte_stream.hpp"

namespace sshuttle::server {

/// Takes ownership of both fds (they may be the same fd).
std::unique_ptr<stream::ByteStream> make_stdio_stream(boost::asio::io_context& io, int in_fd, int out_fd);

}  // namespace sshuttle::server
