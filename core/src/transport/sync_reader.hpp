// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading the server's sync header from a blocking byte source, with the one parser of it (mux/sync_reader.hpp):
// byte by byte, so no byte after the header is consumed and the mux starts exactly at the first frame.
#pragma once

#include <functional>
#include <string>

#include "mux/sync_reader.hpp"

namespace sshuttle::transport {

/// Called with each line seen before the first NUL, without its "\n" (and "\r"); a last unterminated line too.
using JunkLineHandler = mux::SyncReader::JunkLineHandler;

/// Blocks until the header has been read (true) or the stream ended or failed first (false). Throws
/// TransportError when the bytes after the NULs are not "SSHUTTLE0001".
bool read_sync_header(int fd, const JunkLineHandler& on_line);

/// One byte from wherever the server's output comes from (a transport plugin); false at the end or on an error.
using ByteReader = std::function<bool(char& c)>;

/// The same over any byte source.
bool read_sync_header(const ByteReader& read_byte, const JunkLineHandler& on_line);

/// Writes all of data to a socket (no SIGPIPE). False when the peer has gone, or when a non-blocking socket is
/// full.
bool send_all(int fd, const std::string& data);

}  // namespace sshuttle::transport
