// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ssh_hop.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sshuttle::plugins::transport_ssh {

namespace {

SshHop* hop_of(void** abstract) { return static_cast<SshHop*>(*abstract); }

// libssh2 reaches ssh-agent through a session's callbacks, on the agent's own socket: that traffic must go to the
// agent, not into the carrier (it would corrupt the inner session). The session's own traffic names the first
// hop's socket, which its handshake was given.
ssize_t agent_recv(int socket, void* buffer, size_t length, int flags) {
    ssize_t n = ::recv(socket, buffer, length, flags);
    return n < 0 ? -errno : n;
}

ssize_t agent_send(int socket, const void* buffer, size_t length, int flags) {
    ssize_t n = ::send(socket, buffer, length, flags | MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

// libssh2_session_callback_set2() came with 1.11.1 (1.11.0 has only the old one), which deprecates the old one:
// a deprecation warning is an error here.
void set_callback(LIBSSH2_SESSION* session, int which, void* fn) {
#if LIBSSH2_VERSION_NUM >= 0x010b01
    libssh2_session_callback_set2(session, which, reinterpret_cast<libssh2_cb_generic*>(fn));
#else
    libssh2_session_callback_set(session, which, fn);
#endif
}

}  // namespace

SshHop::SshHop(int fd, std::string label)
    : fd_(fd), reader_(std::make_unique<SocketReader>(fd)), label_(std::move(label)) {
    init_session();
    set_callback(session_, LIBSSH2_CALLBACK_RECV, reinterpret_cast<void*>(&recv_socket));
    set_callback(session_, LIBSSH2_CALLBACK_SEND, reinterpret_cast<void*>(&send_socket));
}

SshHop::SshHop(int fd, LIBSSH2_CHANNEL* carrier, std::string label)
    : fd_(fd), carrier_(carrier), label_(std::move(label)) {
    init_session();
    set_callback(session_, LIBSSH2_CALLBACK_RECV, reinterpret_cast<void*>(&recv_channel));
    set_callback(session_, LIBSSH2_CALLBACK_SEND, reinterpret_cast<void*>(&send_channel));
}

void SshHop::init_session() {
    session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, this);
    if (session_ == nullptr) throw std::runtime_error("libssh2 could not create a session for " + label_);
    libssh2_session_set_blocking(session_, 0);
}

SshHop::~SshHop() {
    // A bounded blocking goodbye: a slow peer gets two seconds, a dead one (socket shut down) none.
    libssh2_session_set_timeout(session_, 2000);
    libssh2_session_set_blocking(session_, 1);
    libssh2_session_disconnect(session_, "sshuttle closing");
    libssh2_session_free(session_);
}

std::string SshHop::last_error() const {
    char* message = nullptr;
    int len = 0;
    int code = libssh2_session_last_error(session_, &message, &len, 0);
    std::string text = message != nullptr && len > 0 ? std::string(message, static_cast<size_t>(len)) : "unknown error";
    if ((code == LIBSSH2_ERROR_SOCKET_RECV || code == LIBSSH2_ERROR_SOCKET_SEND) && !socket_failure_.empty())
        text += " (" + socket_failure_ + ")";
    return text;
}

LIBSSH2_RECV_FUNC(SshHop::recv_socket) {
    SshHop* hop = hop_of(abstract);
    // Only the hop's own socket is read ahead (libssh2 passes no flags for it), not ssh-agent's.
    if (socket != hop->fd_) return agent_recv(socket, buffer, length, flags);
    ssize_t n = hop->reader_->read(buffer, length);
    if (n < 0 && n != -EAGAIN) hop->socket_failure_ = std::strerror(static_cast<int>(-n));
    if (n == 0 && length > 0) hop->socket_failure_ = "the server closed the TCP connection";
    if (n > 0) hop->last_received_ = Clock::now();
    return n;
}

LIBSSH2_SEND_FUNC(SshHop::send_socket) {
    ssize_t n = ::send(socket, buffer, length, flags | MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) hop_of(abstract)->socket_failure_ = std::strerror(errno);
    return n < 0 ? -errno : n;
}

LIBSSH2_RECV_FUNC(SshHop::recv_channel) {
    SshHop* hop = hop_of(abstract);
    if (socket != hop->fd_) return agent_recv(socket, buffer, length, flags);
    ssize_t n = libssh2_channel_read(hop->carrier_, static_cast<char*>(buffer), length);
    if (n == LIBSSH2_ERROR_EAGAIN) return -EAGAIN;
    if (n < 0) return -ECONNRESET;
    if (n == 0 && !libssh2_channel_eof(hop->carrier_)) return -EAGAIN;
    if (n > 0) hop->last_received_ = Clock::now();
    return n;  // 0 at the carrier's EOF: libssh2 sees a closed connection
}

LIBSSH2_SEND_FUNC(SshHop::send_channel) {
    if (socket != hop_of(abstract)->fd_) return agent_send(socket, buffer, length, flags);
    ssize_t n = libssh2_channel_write(hop_of(abstract)->carrier_, static_cast<const char*>(buffer), length);
    // Nothing taken (the carrier's window is full) is "try again" to the inner session, not a sent zero bytes.
    if (n == LIBSSH2_ERROR_EAGAIN || n == 0) return -EAGAIN;
    return n < 0 ? -ECONNRESET : n;
}

bool wait_socket(LIBSSH2_SESSION* outer, int fd, Clock::time_point deadline) {
    int dirs = libssh2_session_block_directions(outer);
    pollfd pfd{fd, 0, 0};
    if ((dirs & LIBSSH2_SESSION_BLOCK_INBOUND) != 0 || dirs == 0) pfd.events |= POLLIN;
    if ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0) pfd.events |= POLLOUT;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        int rc = ::poll(&pfd, 1, static_cast<int>(left));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return true;  // let the call itself report the socket error
    }
}

}  // namespace sshuttle::plugins::transport_ssh
