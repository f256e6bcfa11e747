// SPDX-License-Identifier: LGPL-2.1-or-later
#include "direct_tcpip_channel.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

void append_u32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void append_string(std::string& out, const std::string& s) {
    append_u32(out, static_cast<uint32_t>(s.size()));
    out += s;
}

// Statuses that end one channel and leave the session as it was.
bool concerns_channel_only(int status) {
    switch (status) {
        case LIBSSH2_ERROR_CHANNEL_CLOSED:
        case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
        case LIBSSH2_ERROR_CHANNEL_FAILURE:
        case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
        case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
        case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
            return true;
        default:
            return false;
    }
}

}  // namespace

DirectTcpipChannel::DirectTcpipChannel(LIBSSH2_SESSION* session, const std::string& host, uint16_t port,
                                       const std::string& origin_host, uint16_t origin_port, unsigned window_bytes,
                                       unsigned packet_bytes, SessionFailed session_failed, LastError last_error,
                                       Opened opened)
    : session_(session), destination_(host + ":" + std::to_string(port)), window_bytes_(window_bytes),
      packet_bytes_(packet_bytes), session_failed_(std::move(session_failed)), last_error_(std::move(last_error)),
      opened_(std::move(opened)) {
    // libssh2_channel_direct_tcpip_ex would grant libssh2's default window; libssh2_channel_open_ex takes ours.
    append_string(open_message_, host);
    append_u32(open_message_, port);
    append_string(open_message_, origin_host);
    append_u32(open_message_, origin_port);
}

void DirectTcpipChannel::fail(int status, const std::string& what) {
    if (concerns_channel_only(status)) throw Broken(what + " " + destination_ + ": " + last_error_());
    session_failed_(what + " " + destination_);
    throw Broken(what + " " + destination_);  // not reached: session_failed_ throws
}

bool DirectTcpipChannel::open() {
    if (asked_ == std::chrono::steady_clock::time_point{}) asked_ = std::chrono::steady_clock::now();
    channel_ = libssh2_channel_open_ex(session_, "direct-tcpip", 12, window_bytes_, packet_bytes_,
                                       open_message_.data(), static_cast<unsigned>(open_message_.size()));
    if (channel_ != nullptr) {
        // Nothing reads a direct-tcpip channel's extended data: a server that sends some must not pile it up.
        libssh2_channel_handle_extended_data2(channel_, LIBSSH2_CHANNEL_EXTENDED_DATA_IGNORE);
        if (opened_)
            opened_(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - asked_));
        return true;
    }
    const int status = libssh2_session_last_errno(session_);
    if (status == LIBSSH2_ERROR_EAGAIN || status == LIBSSH2_ERROR_BAD_USE) return false;
    // The server's answer to this one request (sshd's AllowTcpForwarding, or the destination refused).
    if (status == LIBSSH2_ERROR_CHANNEL_FAILURE)
        throw Broken("the server did not open a channel to " + destination_ + ": " + last_error_());
    fail(status, "opening a channel to");
}

long DirectTcpipChannel::read(void* buf, size_t len) {
    ssize_t n = libssh2_channel_read(channel_, static_cast<char*>(buf), len);
    if (n > 0) return static_cast<long>(n);
    if (n == LIBSSH2_ERROR_EAGAIN) return 0;
    // As on the exec channel: a window adjustment deferred behind a busy ProxyJump carrier is sent later.
    if (n == LIBSSH2_ERROR_SOCKET_SEND && last_error_().find("deferring") != std::string::npos) return 0;
    if (n < 0) fail(static_cast<int>(n), "reading the channel to");
    return libssh2_channel_eof(channel_) != 0 ? kEndOfStream : 0;
}

long DirectTcpipChannel::write(const void* buf, size_t len) {
    ssize_t n = libssh2_channel_write(channel_, static_cast<const char*>(buf), len);
    if (n >= 0) return static_cast<long>(n);
    // BAD_USE: another channel's packet is still half sent; nothing of this one was taken.
    if (n == LIBSSH2_ERROR_EAGAIN || n == LIBSSH2_ERROR_BAD_USE) return 0;
    fail(static_cast<int>(n), "writing the channel to");
}

bool DirectTcpipChannel::send_eof() {
    int rc = libssh2_channel_send_eof(channel_);
    if (rc == 0) return true;
    if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE) return false;
    fail(rc, "sending EOF on the channel to");
}

bool DirectTcpipChannel::close() {
    if (channel_ == nullptr) return true;
    int rc = libssh2_channel_free(channel_);
    if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE) return false;
    // Any other failure is the session's, which the next read reports; the channel goes with it then.
    channel_ = nullptr;
    return true;
}

}  // namespace sshuttle::plugins::transport_ssh
