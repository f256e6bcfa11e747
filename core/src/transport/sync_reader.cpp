// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/sync_reader.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "transport/server_launch.hpp"

namespace sshuttle::transport {
namespace {

constexpr const char kSyncMagic[] = "SSHUTTLE0001";
constexpr size_t kSyncMagicSize = sizeof kSyncMagic - 1;
// The remote may print anything before the header: a line without a newline is handed on in pieces of this
// size, so a server streaming endless junk cannot grow our memory without bound.
constexpr size_t kMaxJunkLine = 4096;

// One byte, so nothing beyond the header is taken from the socket. False at EOF or on an error.
bool read_fd_byte(int fd, char& c) {
    while (true) {
        ssize_t n = read(fd, &c, 1);
        if (n == 1) return true;
        if (n < 0 && errno == EINTR) continue;
        return false;
    }
}

// Printable form of what arrived instead of the magic, for the error message.
std::string printable(const std::string& bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

bool read_sync_header(int fd, const JunkLineHandler& on_line) {
    return read_sync_header([fd](char& c) { return read_fd_byte(fd, c); }, on_line);
}

bool read_sync_header(const ByteReader& read_byte, const JunkLineHandler& on_line) {
    std::string line;
    char c = 0;
    while (true) {
        if (!read_byte(c)) {
            if (!line.empty()) on_line(line);
            return false;
        }
        if (c == '\0') break;
        if (c == '\n') {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            on_line(line);
            line.clear();
        } else {
            line += c;
            if (line.size() >= kMaxJunkLine) {
                on_line(line);
                line.clear();
            }
        }
    }
    if (!line.empty()) on_line(line);
    // Upstream skips up to a second NUL as well, then expects the magic immediately.
    do {
        if (!read_byte(c)) return false;
    } while (c != '\0');
    std::string magic;
    while (magic.size() < kSyncMagicSize) {
        if (!read_byte(c)) return false;
        magic += c;
    }
    if (magic != kSyncMagic) {
        throw TransportError("expected the server's sync header 'SSHUTTLE0001', got '" + printable(magic) + "'");
    }
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
