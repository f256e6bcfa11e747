// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "stream/byte_stream.hpp"

namespace sshuttle::stream {

/// A ByteStream over a connected socket or pipe fd (socketpair to ssh or a local child). Takes ownership.
std::unique_ptr<ByteStream> make_fd_stream(boost::asio::io_context& io, int fd, std::string description);

}  // namespace sshuttle::stream
