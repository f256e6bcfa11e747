// SPDX-License-Identifier: LGPL-2.1-or-later
// The libssh2 transport: one SSH connection (through ProxyJump hops when configured) running the remote
// command on an exec channel, whose stdin/stdout become the host's byte stream.
//
// Connecting (step() until it returns true) is done in one go with bounded waits on the host's thread: TCP,
// handshake, host key, authentication per hop (prompts included), then the exec channel. Afterwards a
// ChannelPump thread owns every libssh2 call: it moves the bytes between the channel and two rings that the
// host reads and writes (waiting on an eventfd when they are empty or full), sends keepalives, and declares the
// peer dead after ServerAliveInterval x ServerAliveCountMax seconds without a byte from it.
//
// open_channel (ABI 1.2) makes another instance for one more exec channel on the same session: it has its own
// PumpPort on the same pump, and its channel is opened and freed by jobs on the pump thread. forward_tcp
// (ABI 1.4) gives one accepted connection a direct-tcpip channel, served by the pump thread alone.
#pragma once

#include <libssh2.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channel_pump.hpp"
#include "common/untrusted_lines.hpp"
#include "prompt.hpp"
#include "ssh_hop.hpp"
#include "ssh_settings.hpp"
#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

class SshTransport final : private PumpedChannel {
    struct ChannelTag {};

   public:
    /// Options: ssh-config=FILE, password=..., ssh=PATH|none, window-bytes=N, connect-timeout=S,
    /// aes-ctr-read-ahead=yes|no (see README.md).
    SshTransport(const sdk::Host& host, const sdk::Options& options);
    ~SshTransport();
    SshTransport(SshTransport&&) = delete;

    bool is_supported(std::string& reason);
    /// Reads the ssh configuration of the target and every jump host. Throws sdk::Error(SSHUTTLE_EUNSUPPORTED)
    /// when it asks for something libssh2 cannot do.
    void open(const sdk::TransportRequest& req);
    /// Connects and starts the pump (first call); afterwards throws the pump's failure (a dead peer) as sdk::Error.
    bool step();
    int poll_fd() const {
        PumpPort* p = port();
        return p != nullptr ? p->host_fd() : fd_;
    }
    unsigned wants() const;
    long read(void* buf, size_t len);
    long write(const void* buf, size_t len);
    void shutdown_write();
    /// One more exec channel running req's command on this connection (any thread; see plugin_abi.h).
    std::unique_ptr<SshTransport> open_channel(const sdk::TransportRequest& req);
    /// One TCP connection on a direct-tcpip channel of its own on this connection (ABI 1.4, any thread; see
    /// plugin_abi.h and tcp_forward.hpp).
    void forward_tcp(const sdk::TcpForwardRequest& req, const sdk::ForwardReport& report);

    /// An instance for the channel `channel` of parent's session (open_channel).
    SshTransport(ChannelTag, SshTransport& parent, LIBSSH2_CHANNEL* channel);

   private:
    SshTransport& root() { return parent_ != nullptr ? *parent_ : *this; }
    const SshTransport& root() const { return parent_ != nullptr ? *parent_ : *this; }
    PumpPort* port() const;
    void close_channel();
    SshSettings settings_for(const std::string& host, const std::string& user, int port) const;
    void connect();
    void start_hop(size_t index);
    void open_exec_channel();
    void tune_algorithms(LIBSSH2_SESSION* session) const;
    void drain_stderr();
    // PumpedChannel: the libssh2 side, called on the pump thread only.
    long channel_read(void* buf, size_t len) override;
    long channel_write(const void* buf, size_t len) override;
    bool channel_send_eof() override;
    void channel_tick() override;
    int channel_fd() const override { return root().fd_; }
    unsigned channel_wants() const override;
    bool channel_input_buffered() const override;
    void channel_readable() override;
    [[noreturn]] void fail_io(const std::string& what);
    std::string end_message();
    void close_all();

    sdk::Host host_;
    sdk::Options options_;
    Prompter prompter_;
    bool forced_batch_mode_ = false;  // batch-mode=yes: nobody is there to answer, whatever BatchMode says
    std::vector<SshSettings> chain_;  // jump hosts first, the target last
    std::string remote_command_;
    int fd_ = -1;
    std::vector<std::unique_ptr<SshHop>> hops_;  // parallel to chain_
    std::vector<LIBSSH2_CHANNEL*> carriers_;     // carriers_[i] carries hops_[i] (nullptr for the first)
    LIBSSH2_CHANNEL* channel_ = nullptr;         // the exec channel on the last hop
    bool connected_ = false;
    bool dead_ = false;
    std::string stderr_tail_;                                    // raw: the host escapes end_message()
    common::UntrustedLineWriter stderr_shown_{STDERR_FILENO};      // the remote's stderr on ours, escaped
    Clock::time_point last_probe_ = Clock::now();
    SshTransport* parent_ = nullptr;  // an open_channel instance: the connection's instance, which outlives it
    PumpPort* port_ = nullptr;        // an open_channel instance: its side of the parent's pump
    // The shortest forward channel open so far, in microseconds (0: none yet): sizes the next forwards' windows.
    // Written by the pump thread, read by forward_tcp's caller.
    std::shared_ptr<std::atomic<int64_t>> shortest_forward_open_us_ = std::make_shared<std::atomic<int64_t>>(0);
    std::unique_ptr<ChannelPump> pump_;  // declared last: destroyed (joined) before the sessions are touched
};

}  // namespace sshuttle::plugins::transport_ssh
