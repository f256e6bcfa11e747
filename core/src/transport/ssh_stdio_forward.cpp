// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/ssh_stdio_forward.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <boost/asio/local/stream_protocol.hpp>
#include <spdlog/spdlog.h>

#include "common/untrusted_text.hpp"
#include "net/tcp_byte_counts.hpp"
#include "transport/send_descriptor.hpp"
#include "transport/ssh_mux_messages.hpp"
#include "transport/sync_reader.hpp"

namespace sshuttle::transport {
namespace {

using boost::asio::local::stream_protocol;

constexpr std::size_t kShownReasonBytes = 120;

uint32_t next_request_id() {
    static uint32_t id = 0;
    return ++id;
}

class Forward final : public SshStdioForward, public std::enable_shared_from_this<Forward> {
   public:
    Forward(boost::asio::io_context& io, int socket_fd, net::Endpoint target, OnOpen on_open, OnEnd on_end)
        : control_(io),
          socket_fd_(socket_fd),
          target_(std::move(target)),
          on_open_(std::move(on_open)),
          on_end_(std::move(on_end)),
          request_id_(next_request_id()) {}

    ~Forward() override {
        if (socket_fd_ >= 0) ::close(socket_fd_);
    }
    Forward(const Forward&) = delete;
    Forward& operator=(const Forward&) = delete;

    void begin(const std::string& control_socket) {
        control_path_ = control_socket;
        auto self = shared_from_this();
        control_.async_connect(stream_protocol::endpoint(control_socket),
                               [self](const boost::system::error_code& ec) {
                                   if (ec) return self->refused(Refusal::kNoMaster, "connect: " + ec.message());
                                   if (std::string why = self->foreign_master(); !why.empty())
                                       return self->refused(Refusal::kNoMaster, why);
                                   self->ask();
                               });
    }

    void close() override {
        on_open_ = nullptr;
        on_end_ = nullptr;
        finish();
    }

    void count_traffic(std::shared_ptr<mux::ChannelTraffic> traffic) override { traffic_ = std::move(traffic); }

    void refresh_traffic() override {
        if (opened_ && !finished_) count_traffic_now();
    }

   private:
    // The socket may sit in a directory another user can write (a ControlPath in /tmp): only a master running as
    // our own user is given the application's connection. Empty when it is ours.
    std::string foreign_master() {
        ucred peer{};
        socklen_t length = sizeof peer;
        if (::getsockopt(control_.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
            return std::string("SO_PEERCRED: ") + std::strerror(errno);
        if (peer.uid != ::geteuid())
            return "the control socket " + control_path_ + " belongs to uid " + std::to_string(peer.uid) +
                   ", not to us (uid " + std::to_string(::geteuid()) + ")";
        return {};
    }

    // Hello, the request, then the socket as ssh's input and again as its output.
    void ask() {
        const auto hello = sshmux::hello_message();
        const auto forward = sshmux::stdio_forward_message(request_id_, target_.address.to_string(), target_.port);
        std::string request(hello.begin(), hello.end());
        request.append(forward.begin(), forward.end());
        const int control = control_.native_handle();
        // The socket is fresh and non-blocking: a few dozen bytes always fit its empty buffer.
        const bool sent = send_all(control, request) && send_descriptor(control, socket_fd_) &&
                          send_descriptor(control, socket_fd_);
        if (!sent) return refused(Refusal::kNoMaster, std::string("send: ") + std::strerror(errno));
        read_answers();
    }

    void read_answers() {
        auto self = shared_from_this();
        control_.async_read_some(boost::asio::buffer(answer_buffer_),
                                 [self](const boost::system::error_code& ec, std::size_t n) {
                                     self->got_answer_bytes(ec, n);
                                 });
    }

    void got_answer_bytes(const boost::system::error_code& ec, std::size_t n) {
        if (ec) {
            // After the forward opened, the master closing the control connection means the channel is gone.
            if (opened_) return control_ended();
            if (ec == boost::asio::error::operation_aborted && finished_) return;
            return refused(Refusal::kNoMaster, "the ssh master closed the control connection");
        }
        if (opened_) return read_answers();  // nothing more is expected; whatever comes is ignored
        reader_.feed(std::span<const uint8_t>(answer_buffer_.data(), n));
        std::string error;
        while (auto answer = reader_.next(error)) {
            using Kind = sshmux::Answer::Kind;
            if (answer->kind == Kind::kHello) {
                if (answer->version != sshmux::kProtocolVersion)
                    return refused(Refusal::kNoMaster, "mux protocol version " + std::to_string(answer->version));
                continue;
            }
            if (answer->request_id != request_id_) continue;
            if (answer->kind == Kind::kRefused) {
                return refused(Refusal::kByServer,
                               "the ssh master: " + common::escape_untrusted(answer->reason, kShownReasonBytes));
            }
            if (answer->kind == Kind::kOpened) return opened();
        }
        if (!error.empty()) return refused(Refusal::kNoMaster, error);
        read_answers();
    }

    void opened() {
        opened_ = true;
        // As ssh -L does for the sockets it forwards: a small answer goes out at once, not after an ACK.
        const int one = 1;
        ::setsockopt(socket_fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (auto on_open = std::exchange(on_open_, nullptr)) on_open(Refusal::kNone, "", -1);
        read_answers();  // until the master closes it
    }

    // The forward did not open: the socket goes back to the caller, who has not lost a byte of it.
    void refused(Refusal refusal, const std::string& why) {
        const int fd = std::exchange(socket_fd_, -1);
        on_end_ = nullptr;
        auto on_open = std::exchange(on_open_, nullptr);
        finish();
        if (on_open) {
            on_open(refusal, why, fd);
        } else if (fd >= 0) {
            ::close(fd);
        }
    }

    // What went through the socket each way, as the kernel counts it (ssh reads and writes it, not us).
    void count_traffic_now() {
        if (const auto counts = net::tcp_byte_counts(socket_fd_)) {
            traffic_->to_socket = counts->acked;
            traffic_->from_socket = counts->received;
        }
    }

    // The master closes the control connection once the forward's channel is gone, after ssh wrote the last of
    // the remote's bytes into the socket. The application then gets its EOF from us: ssh closes only its own
    // copies of the socket, and ours keeps it open. If ssh itself went (killed, or the link died), the socket is
    // reset instead: a truncated download must not look complete (the mux resets its connections at a loss too).
    // The one signal used is the master's socket: a dying ssh unlinks it before it exits, and a SIGKILLed one
    // closes its listener before any control connection (descriptors close in number order, and the listener
    // is older than all of them). The order of the channel's descriptors and the control connection is no
    // signal: numbers freed by earlier forwards are reused.
    void control_ended() {
        if (!master_listening()) {
            spdlog::debug("ssh forward to {}: the ssh master is gone; reset", target_.to_string());
            const linger abort_on_close{1, 0};
            ::setsockopt(socket_fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
        } else {
            ::shutdown(socket_fd_, SHUT_WR);
        }
        finish();
    }

    // Whether the master still accepts control connections (it does until it exits).
    bool master_listening() const {
        const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0) return false;
        const stream_protocol::endpoint endpoint(control_path_);
        const bool listening = ::connect(probe, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0;
        ::close(probe);
        return listening;
    }

    void finish() {
        if (finished_) return;
        finished_ = true;
        if (opened_ && socket_fd_ >= 0) count_traffic_now();
        boost::system::error_code ignored;
        control_.close(ignored);
        if (socket_fd_ >= 0) ::close(std::exchange(socket_fd_, -1));
        if (auto on_end = std::exchange(on_end_, nullptr)) on_end();
    }

    std::string control_path_;
    stream_protocol::socket control_;
    // The application's connection, ours until the forward ends. Never in the loop's epoll set: every segment it
    // receives would wake us for nothing, ssh being its reader (that wake-up cost a tenth of the machine uploading).
    int socket_fd_;
    net::Endpoint target_;
    OnOpen on_open_;
    OnEnd on_end_;
    uint32_t request_id_;
    sshmux::AnswerReader reader_;
    std::array<uint8_t, 512> answer_buffer_{};
    std::shared_ptr<mux::ChannelTraffic> traffic_ = std::make_shared<mux::ChannelTraffic>();
    bool opened_ = false;
    bool finished_ = false;
};

}  // namespace

std::shared_ptr<SshStdioForward> SshStdioForward::start(boost::asio::io_context& io, const std::string& control_socket,
                                                        int socket_fd, const net::Endpoint& target, OnOpen on_open,
                                                        OnEnd on_end) {
    auto forward = std::make_shared<Forward>(io, socket_fd, target, std::move(on_open), std::move(on_end));
    forward->begin(control_socket);
    return forward;
}

}  // namespace sshuttle::transport
