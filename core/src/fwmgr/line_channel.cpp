// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/line_channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "common/untrusted_text.hpp"

namespace sshuttle::fwmgr {
namespace {

// How much of a refused line an error shows (escaped: the peer may be a local user feeding the root manager).
constexpr std::size_t kShownBytes = 40;

}  // namespace

bool LineReader::take_buffered_line(std::string& line) {
    size_t newline = buffer_.find('\n');
    size_t limit = max_bytes_ - 1;  // bytes before the '\n'
    if (newline == std::string::npos ? buffer_.size() > limit : newline > limit)
        throw ProtocolError("line longer than " + std::to_string(max_bytes_) + " bytes: '" +
                            common::escape_untrusted(std::string_view(buffer_).substr(0, kShownBytes)) + "...'");
    if (newline == std::string::npos) return false;
    line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    return true;
}

bool LineReader::input_waiting() const {
    if (eof_ || buffer_.find('\n') != std::string::npos) return true;
    pollfd pfd{fd_, POLLIN, 0};
    return poll(&pfd, 1, 0) > 0;
}

LineReader::Status LineReader::read_line(std::string& line, int wake_fd) {
    while (true) {
        if (take_buffered_line(line)) return Status::kLine;
        if (eof_) return Status::kEof;
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        int ready = poll(fds, wake_fd >= 0 ? 2 : 1, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (wake_fd >= 0 && (fds[1].revents & POLLIN)) return Status::kWoken;
        if (fds[0].revents == 0) continue;
        char chunk[512];
        ssize_t got = read(fd_, chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == ECONNRESET) {
                eof_ = true;  // the peer died with unread data: the same as EOF for us
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "read");
        }
        if (got == 0) eof_ = true;
        buffer_.append(chunk, static_cast<size_t>(got));
    }
}

void write_all(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t sent = send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (sent < 0 && errno == ENOTSOCK) sent = write(fd, text.data() + done, text.size() - done);
        if (sent < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "write");
        }
        done += static_cast<size_t>(sent);
    }
}

}  // namespace sshuttle::fwmgr
