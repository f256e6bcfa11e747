// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exec_transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sshuttle::exec_transport {
namespace {

// How long the end of the stream may wait for the command's exit status and its last words on stderr.
constexpr int kExitWaitMillis = 2000;

}  // namespace

ExecTransport::ExecTransport(const sdk::Host& host, const sdk::Options& options) : host_(host) {
    std::vector<std::string> ignored;
    options_ = parse_options(options, ignored);
    for (const auto& key : ignored) host_.debug("ignoring transport option '" + key + "'");
}

bool ExecTransport::is_supported(std::string& reason) {
    if (access("/bin/sh", X_OK) != 0) {
        reason = "/bin/sh is missing";
        return false;
    }
    if (has_command(options_)) {
        reason = "runs '" + options_.command + "'";
    } else {
        reason = "runs the command given with --transport-option command=...";
    }
    return true;
}

void ExecTransport::open(const sdk::TransportRequest& request) {
    if (child_) throw sdk::Error(SSHUTTLE_EINVAL, "exec: open called twice");
    if (!has_command(options_)) throw sdk::Error(SSHUTTLE_EINVAL, kNeedsCommand);
    if (request.remote_argv.empty() && request.remote_command.empty())
        throw sdk::Error(SSHUTTLE_EINVAL, "exec: the host gave no remote command");
    host_.debug("running '" + options_.command + "' for " + request.host);
    child_ = std::make_unique<ChildProcess>(child_argv(options_, request), child_environment(request));
    stderr_ = std::make_unique<StderrTail>(child_->stderr_fd(), STDERR_FILENO);
}

ChildProcess& ExecTransport::child() {
    if (!child_) throw sdk::Error(SSHUTTLE_EINVAL, "exec: the transport is not open");
    if (!end_message_.empty()) throw sdk::Error(SSHUTTLE_ECLOSED, end_message_);
    return *child_;
}

bool ExecTransport::step() {
    ChildProcess& c = child();
    stderr_->drain();
    // A command that exited while its last output is still unread is not dead yet: read() gets the bytes
    // first and then reports the end.
    if (c.poll_exit()) {
        char byte;
        if (recv(c.stream_fd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) end_of_stream();
    }
    return true;
}

int ExecTransport::poll_fd() const { return child_ ? child_->stream_fd() : -1; }

unsigned ExecTransport::wants() const {
    unsigned want = SSHUTTLE_WANT_READ;
    if (write_blocked_) want |= SSHUTTLE_WANT_WRITE;
    return want;
}

long ExecTransport::read(void* buf, std::size_t len) {
    ChildProcess& c = child();
    stderr_->drain();
    ssize_t n = recv(c.stream_fd(), buf, len, MSG_DONTWAIT);
    if (n > 0) return n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (n == 0 || errno == ECONNRESET) end_of_stream();
    throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("exec: reading from the command: ") + std::strerror(errno), errno);
}

long ExecTransport::write(const void* buf, std::size_t len) {
    ChildProcess& c = child();
    stderr_->drain();
    // MSG_NOSIGNAL: a command that has gone away is an EPIPE here, never a SIGPIPE for the whole host.
    ssize_t n = send(c.stream_fd(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
        write_blocked_ = false;
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        write_blocked_ = true;
        return 0;
    }
    if (errno == EPIPE || errno == ECONNRESET) end_of_stream();
    throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("exec: writing to the command: ") + std::strerror(errno), errno);
}

void ExecTransport::shutdown_write() {
    ChildProcess& c = child();
    if (::shutdown(c.stream_fd(), SHUT_WR) != 0 && errno != ENOTCONN)
        throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("exec: half-close: ") + std::strerror(errno), errno);
}

void ExecTransport::end_of_stream() {
    // The command's exit closes its stderr too; its last words arrive just before that.
    stderr_->drain_until_eof(kExitWaitMillis);
    std::optional<int> status = child_->wait_exit(kExitWaitMillis);
    std::string message = "command '" + options_.command + "' ";
    message += status ? describe_wait_status(*status) : "closed its output";
    if (!stderr_->last_line().empty()) message += ": " + stderr_->last_line();
    end_message_ = message;
    throw sdk::Error(SSHUTTLE_ECLOSED, end_message_);
}

}  // namespace sshuttle::exec_transport
