// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/sync_reader.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <span>

#include "mux/sync_reader.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {
namespace {

// One byte, so nothing beyond the header is taken from the socket. False at EOF or on an error.
bool read_fd_byte(int fd, char& c) {
    while (true) {
        ssize_t n = read(fd, &c, 1);
        if (n == 1) return true;
        if (n < 0 && errno == EINTR) continue;
        return false;
    }
}

}  // namespace

bool read_sync_header(int fd, const JunkLineHandler& on_line) {
    return read_sync_header([fd](char& c) { return read_fd_byte(fd, c); }, on_line);
}

bool read_sync_header(const ByteReader& read_byte, const JunkLineHandler& on_line) {
    mux::SyncReader reader(on_line);
    // Fed one byte at a time, so that nothing after the header is taken from the stream.
    while (reader.state() == mux::SyncReader::State::kNeedMore) {
        char c = 0;
        if (!read_byte(c)) {
            reader.end_of_stream();
            return false;
        }
        const auto byte = static_cast<uint8_t>(c);
        reader.feed(std::span<const uint8_t>(&byte, 1));
    }
    if (reader.state() == mux::SyncReader::State::kFailed) throw TransportError(reader.error());
    return true;
}

bool send_all(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace sshuttle::transport
