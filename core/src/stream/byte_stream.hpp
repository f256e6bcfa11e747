// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's connection to the server, whatever carries it (a socketpair to ssh or a local child, or a
// transport plugin such as libssh2). The mux reads and writes through this, driven by the Asio loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace sshuttle::stream {

class ByteStream {
   public:
    using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;
    virtual ~ByteStream() = default;

    /// Reads at least one byte (or fails with asio::error::eof at the end of the stream).
    virtual void async_read_some(void* data, std::size_t size, Handler handler) = 0;
    /// Writes at least one byte.
    virtual void async_write_some(const void* data, std::size_t size, Handler handler) = 0;
    /// Half-closes our sending direction.
    virtual void shutdown_write() = 0;
    /// Cancels pending operations and releases the stream.
    virtual void close() = 0;
    /// For messages: "ssh user@host", "local server", ...
    virtual std::string describe() const = 0;
};

}  // namespace sshuttle::stream
