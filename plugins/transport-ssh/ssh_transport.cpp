// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ssh_transport.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "aes_ctr_read_ahead.hpp"
#include "authenticate.hpp"
#include "direct_tcpip_channel.hpp"
#include "host_key_check.hpp"
#include "tcp_connect.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

constexpr int kDefaultAliveInterval_s = 15;      // ServerAliveInterval when the configuration leaves it at 0
constexpr int kDefaultConnectTimeout_s = 60;     // ConnectTimeout "none": roughly the kernel's SYN retries
constexpr auto kStepTimeout = std::chrono::seconds(60);  // one handshake or authentication exchange
// Measured in the bench lab (veth, ~0 RTT, client CPU-bound on decryption): 2 MiB, 4 MiB and 16 MiB windows move
// the same ~1.1 Gbit/s, but the window is also the queue in front of an interactive packet: echo p50 under a
// download was 3.9 ms, 6.6 ms and 64 ms. 4 MiB keeps that small while doubling what OpenSSH's 2 MiB allows on a
// long link (window / RTT: 335 Mbit/s at 100 ms). window-bytes=N tunes it.
constexpr unsigned kDefaultWindowBytes = 4u << 20;
// A forwarded connection's receive window follows the path's round trip (unless forward-window-bytes=N fixes
// it): enough for kForwardWindowRate per connection over the shortest channel open seen so far (a round trip plus
// sshd's connect), between 512 KiB and 8 MiB. Each forward is one channel and all of them share one TCP
// connection, so what the downloads' windows let sshd queue there comes before an interactive connection's reply.
// Measured in the bench on a ~0 ms link: under one download a 4 MiB window took echo p99 to 31 ms, 2 MiB to 11 ms,
// and under eight 2 MiB windows to 44 ms. On a long link the window is in flight rather than queued, and one
// stream at 50 ms needs more than OpenSSH's 2 MiB to match ssh -L (266 against 312 Mbit/s with 2 MiB, 475 with
// 4 MiB, 691 sized by the round trip).
constexpr unsigned kMinForwardWindowBytes = 512u << 10;
constexpr unsigned kMaxForwardWindowBytes = 8u << 20;
constexpr double kForwardWindowRate = 125e6;  // bytes per second: 1 Gbit/s
constexpr unsigned kPacketBytes = 32768;
// Each direction of a forwarded connection between its socket and its channel: the socket buffers and the SSH
// window do the queueing; the ring only lets one pass move a few packets.
constexpr size_t kForwardRingBytes = 128 * 1024;
constexpr auto kQuietReads = std::chrono::microseconds(200);

std::string home_dir() {
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
    const passwd* pw = ::getpwuid(::getuid());
    return pw != nullptr ? pw->pw_dir : "/";
}

std::string login_name() {
    const passwd* pw = ::getpwuid(::getuid());
    return pw != nullptr ? pw->pw_name : "root";
}

std::string option_or(const sdk::Options& o, const std::string& key, const std::string& fallback) {
    auto it = o.find(key);
    return it == o.end() ? fallback : it->second;
}

int positive_option(const sdk::Options& o, const std::string& key, int fallback) {
    std::string v = option_or(o, key, "");
    if (v.empty()) return fallback;
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n <= 0 || n > (1L << 30))
        throw sdk::Error(SSHUTTLE_EINVAL, "invalid transport option " + key + "='" + v + "': not a positive number");
    return static_cast<int>(n);
}

std::string label_of(const SshSettings& s) { return s.user + "@" + s.hostname + ":" + std::to_string(s.port); }

// What the handshake settled on, for the -v log: which libssh2 is running and which algorithms it negotiated.
std::string negotiated(LIBSSH2_SESSION* session) {
    auto method = [&](int which) {
        const char* name = libssh2_session_methods(session, which);
        return std::string(name != nullptr ? name : "?");
    };
    std::string out = method(LIBSSH2_METHOD_CRYPT_CS), in = method(LIBSSH2_METHOD_CRYPT_SC);
    return std::string("libssh2 ") + libssh2_version(0) + ": kex " + method(LIBSSH2_METHOD_KEX) + ", host key " +
           method(LIBSSH2_METHOD_HOSTKEY) + ", cipher " + (out == in ? out : out + " out, " + in + " in");
}

// Fastest first, as measured in the bench lab: aes128-ctr with the keystream read ahead (aes_ctr_read_ahead.hpp)
// moved 1.7 / 1.9 Gbit/s up / down on libssh2 1.11 where its aes128-gcm moved 1.2 / 1.5 (5.4 CPU s/GB against
// 3.5), and it is 1.10's best anyway. The AEAD ciphers (1.11) follow for servers that offer nothing else.
constexpr const char* kCipherPreference[] = {"aes128-ctr", "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com",
                                             "aes256-gcm@openssh.com", "aes192-ctr", "aes256-ctr"};

}  // namespace

SshTransport::SshTransport(const sdk::Host& host, const sdk::Options& options)
    : host_(host), options_(options), prompter_(host, false) {
    static std::once_flag once;
    std::call_once(once, [] { libssh2_init(0); });
    for (const auto& [key, value] : options_) {
        if (key != "ssh-config" && key != "password" && key != "ssh" && key != "window-bytes" &&
            key != "forward-window-bytes" && key != "connect-timeout" && key != "aes-ctr-read-ahead" &&
            key != "batch-mode")
            throw sdk::Error(SSHUTTLE_EINVAL, "unknown transport option '" + key + "' (known: ssh-config, password, "
                                              "ssh, window-bytes, forward-window-bytes, connect-timeout, "
                                              "aes-ctr-read-ahead, batch-mode)");
    }
    const std::string batch = option_or(options_, "batch-mode", "no");
    if (batch != "yes" && batch != "no")
        throw sdk::Error(SSHUTTLE_EINVAL, "invalid transport option batch-mode='" + batch + "': yes or no");
    forced_batch_mode_ = batch == "yes";
    positive_option(options_, "window-bytes", 1);
    positive_option(options_, "forward-window-bytes", 1);
    positive_option(options_, "connect-timeout", 1);
    const std::string read_ahead = option_or(options_, "aes-ctr-read-ahead", "yes");
    if (read_ahead != "yes" && read_ahead != "no")
        throw sdk::Error(SSHUTTLE_EINVAL, "invalid transport option aes-ctr-read-ahead='" + read_ahead +
                                              "': yes or no");
    if (read_ahead == "yes") {
        std::string why_not;
        if (!enable_aes_ctr_read_ahead(why_not)) host_.debug("AES-CTR keystream read-ahead off: " + why_not);
    }
}

SshTransport::SshTransport(ChannelTag, SshTransport& parent, LIBSSH2_CHANNEL* channel)
    : host_(parent.host_), options_(parent.options_), prompter_(parent.host_, true), parent_(&parent) {
    channel_ = channel;
    connected_ = true;
}

SshTransport::~SshTransport() {
    if (parent_ != nullptr) {
        close_channel();
        return;
    }
    close_all();
}

PumpPort* SshTransport::port() const {
    if (port_ != nullptr) return port_;
    return pump_ ? &pump_->primary() : nullptr;
}

std::unique_ptr<SshTransport> SshTransport::open_channel(const sdk::TransportRequest& req) {
    if (parent_ != nullptr) return parent_->open_channel(req);
    if (!pump_) throw sdk::Error(SSHUTTLE_EINVAL, "open_channel() before the connection is up");
    const std::string command = req.remote_command.empty() ? remote_command_ : req.remote_command;
    const unsigned window = static_cast<unsigned>(positive_option(options_, "window-bytes", kDefaultWindowBytes));
    const auto deadline = Clock::now() + kStepTimeout;
    LIBSSH2_CHANNEL* channel = nullptr;
    std::string refused;  // set once the server said no; the channel is then freed before the job ends
    // Every libssh2 call on the pump thread, where the session lives (channel_pump.hpp).
    pump_->run_on_pump([&]() -> bool {
        SshHop& hop = *hops_.back();
        if (!refused.empty()) {
            if (libssh2_channel_free(channel) == LIBSSH2_ERROR_EAGAIN && Clock::now() < deadline) return false;
            channel = nullptr;
            throw sdk::Error(SSHUTTLE_EUNSUPPORTED, refused);
        }
        if (Clock::now() >= deadline)
            throw sdk::Error(SSHUTTLE_ESYSTEM, "opening another channel on " + hop.label() + " timed out");
        if (channel == nullptr) {
            channel = libssh2_channel_open_ex(hop.session(), "session", 7, window, kPacketBytes, nullptr, 0);
            if (channel == nullptr) {
                const int error = libssh2_session_last_errno(hop.session());
                if (error == LIBSSH2_ERROR_EAGAIN || error == LIBSSH2_ERROR_BAD_USE) return false;
                // sshd's MaxSessions, for one: the connection itself is fine.
                throw sdk::Error(SSHUTTLE_EUNSUPPORTED,
                                 "the server " + hop.label() + " refused another session channel: " + hop.last_error());
            }
        }
        int rc = libssh2_channel_process_startup(channel, "exec", 4, command.data(),
                                                 static_cast<unsigned>(command.size()));
        if (rc == LIBSSH2_ERROR_EAGAIN) return false;
        if (rc != 0) {
            refused = "the server " + hop.label() + " refused to run the remote command on another channel: " +
                      hop.last_error();
            return false;
        }
        return true;
    });
    auto instance = std::make_unique<SshTransport>(ChannelTag{}, *this, channel);
    instance->port_ = &pump_->add_channel(*instance);
    host_.debug("opened another SSH channel on " + hops_.back()->label());
    return instance;
}

void SshTransport::forward_tcp(const sdk::TcpForwardRequest& req, const sdk::ForwardReport& report) {
    if (parent_ != nullptr) return parent_->forward_tcp(req, report);
    if (!pump_) throw sdk::Error(SSHUTTLE_EINVAL, "forward_tcp() before the connection is up");
    if (req.host.empty() || req.port == 0)
        throw sdk::Error(SSHUTTLE_EINVAL, "forward_tcp(): no destination ('" + req.host + "' port " +
                                              std::to_string(req.port) + ")");
    unsigned window = static_cast<unsigned>(positive_option(options_, "forward-window-bytes", 0));
    if (window == 0) {
        const int64_t rtt_us = shortest_forward_open_us_->load();
        const double wanted = rtt_us > 0 ? kForwardWindowRate * static_cast<double>(rtt_us) / 1e6 : 0.0;
        window = static_cast<unsigned>(
            std::clamp(wanted, double{kMinForwardWindowBytes}, double{kMaxForwardWindowBytes}));
    }
    SshHop& hop = *hops_.back();
    auto channel = std::make_unique<DirectTcpipChannel>(
        hop.session(), req.host, req.port, req.origin_host, req.origin_port, window, kPacketBytes,
        [this](const std::string& what) { fail_io(what); }, [&hop] { return hop.last_error(); },
        [shortest = shortest_forward_open_us_](std::chrono::microseconds took) {
            int64_t seen = shortest->load();
            while ((seen <= 0 || took.count() < seen) && !shortest->compare_exchange_weak(seen, took.count())) {
            }
        });
    const int fd = ::fcntl(req.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("forward_tcp(): dup: ") + std::strerror(errno), errno);
    std::unique_ptr<TcpForward> forward;
    try {
        forward = std::make_unique<TcpForward>(req.id, fd, std::move(channel), report, kForwardRingBytes);
    } catch (...) {
        ::close(fd);
        throw;
    }
    pump_->add_forward(std::move(forward));
}

// An open_channel instance: the pump lets go of it, then frees its channel on the pump thread. On a pump that
// has stopped (a dead connection) the channel is left to the session, which frees it with the rest.
void SshTransport::close_channel() {
    ChannelPump& pump = *parent_->pump_;
    if (port_ != nullptr) pump.remove_channel(*port_);
    port_ = nullptr;
    LIBSSH2_CHANNEL* channel = channel_;
    channel_ = nullptr;
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    try {
        pump.run_on_pump([&] { return libssh2_channel_free(channel) != LIBSSH2_ERROR_EAGAIN || Clock::now() >= deadline; });
    } catch (const sdk::Error&) {
        // The pump has stopped: nothing to do here.
    }
}

bool SshTransport::is_supported(std::string& reason) {
    // The library actually loaded, which need not be the release whose headers this module was built with.
    reason = std::string("libssh2 ") + libssh2_version(0);
    if (reason != "libssh2 " LIBSSH2_VERSION) reason += " (built with " LIBSSH2_VERSION ")";
    return true;
}

SshSettings SshTransport::settings_for(const std::string& host, const std::string& user, int port) const {
    const std::string ssh = option_or(options_, "ssh", "ssh");
    const std::string config = option_or(options_, "ssh-config", "");
    if (ssh != "none") {
        // -T: without it ssh warns on stderr that it will not allocate a terminal.
        std::vector<std::string> argv{ssh, "-T", "-G"};
        if (!config.empty()) argv.insert(argv.end(), {"-F", config});
        if (port > 0) argv.insert(argv.end(), {"-p", std::to_string(port)});
        if (!user.empty()) argv.insert(argv.end(), {"-l", user});
        argv.push_back(host);
        std::optional<sdk::CommandResult> result;
        try {
            result = host_.run(argv);
        } catch (const sdk::Error& e) {
            // No ssh binary: ssh's defaults, as documented.
            host_.debug("no ssh configuration for " + host + " (" + e.what() + "); using ssh's defaults");
        }
        if (result && result->exit_status == 0) return parse_ssh_g(result->output, host, home_dir());
        if (result)
            throw sdk::Error(SSHUTTLE_EINVAL, "'ssh -G" + (config.empty() ? "" : " -F " + config) + " " + host +
                                                  "' failed with exit status " + std::to_string(result->exit_status) +
                                                  " (is the ssh configuration valid?)");
    }
    if (!config.empty())
        throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "ssh-config=" + config + " needs the ssh binary to be read");
    return default_settings(host, user.empty() ? login_name() : user, port, home_dir());
}

void SshTransport::open(const sdk::TransportRequest& req) {
    if (req.host.empty()) throw sdk::Error(SSHUTTLE_EINVAL, "no remote host given");
    remote_command_ = req.remote_command;
    SshSettings target = settings_for(req.host, req.user, req.port);
    std::vector<JumpHop> jumps;
    try {
        jumps = parse_proxy_jump(target.proxy_jump);
    } catch (const std::invalid_argument& e) {
        throw sdk::Error(SSHUTTLE_EINVAL, e.what());
    }
    chain_.clear();
    for (const auto& jump : jumps) chain_.push_back(settings_for(jump.host, jump.user, jump.port));
    chain_.push_back(target);
    for (const auto& s : chain_) {
        std::string why = unsupported_reason(s);
        if (!why.empty()) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, s.host_alias + ": " + why);
    }
    // One prompter for the connection: BatchMode of the target decides, as with ssh.
    prompter_ = Prompter(host_, target.batch_mode || forced_batch_mode_);
}

bool SshTransport::step() {
    if (parent_ != nullptr) {
        if (port_ != nullptr) port_->check();
        return true;
    }
    if (chain_.empty()) throw sdk::Error(SSHUTTLE_EINVAL, "step() before open()");
    if (!connected_) {
        connect();
        connected_ = true;
        last_probe_ = Clock::now();
        // From here on the pump polls the socket whenever it runs out of work, so an EAGAIN may be trusted for a
        // moment (see socket_reader.hpp). sshd's 2 MiB window lasts about 7 ms at the fastest rate measured
        // (2.3 Gbit/s): read 200 us late, its window adjustments still arrive long before a send would stall.
        hops_.front()->socket_reader()->set_quiet_period(kQuietReads);
        pump_ = std::make_unique<ChannelPump>(static_cast<PumpedChannel&>(*this));
        return true;
    }
    if (pump_) pump_->check();
    return true;
}

void SshTransport::channel_tick() {
    // Another channel of the session: the first one's tick keeps the session alive; this one only reads its
    // remote's stderr.
    if (parent_ != nullptr) {
        drain_stderr();
        return;
    }
    // Reading stderr also lets libssh2 take in whatever waits on the socket (keepalive replies, window
    // adjustments), so the peer counts as alive even while the host is not reading the channel.
    drain_stderr();
    const SshSettings& s = chain_.back();
    const int interval_s = s.server_alive_interval_s > 0 ? s.server_alive_interval_s : kDefaultAliveInterval_s;
    const int count_max = s.server_alive_count_max > 0 ? s.server_alive_count_max : 1;
    const auto now = Clock::now();
    const auto silent = now - hops_.back()->last_received();
    if (silent >= std::chrono::seconds(interval_s * count_max)) {
        dead_ = true;
        ::shutdown(fd_, SHUT_RDWR);  // no polite goodbye on a dead path: teardown must not wait
        throw sdk::Error(SSHUTTLE_ESYSTEM,
                         "no answer from " + s.hostname + " for " + std::to_string(interval_s * count_max) +
                             " s (ServerAliveInterval " + std::to_string(interval_s) + " x ServerAliveCountMax " +
                             std::to_string(count_max) + "): the connection is dead");
    }
    // A keepalive asks for a reply, so a live server always answers it. Not sent while libssh2 still has an
    // outgoing packet half written: it would interleave with that packet.
    bool outbound_blocked = (libssh2_session_block_directions(hops_.front()->session()) &
                             LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0;
    if (silent >= std::chrono::seconds(interval_s) && now - last_probe_ >= std::chrono::seconds(interval_s) &&
        !outbound_blocked) {
        int next_s = 0;
        libssh2_keepalive_send(hops_.back()->session(), &next_s);
        last_probe_ = now;
    }
}

void SshTransport::tune_algorithms(LIBSSH2_SESSION* session) const {
    const char** supported = nullptr;
    int count = libssh2_session_supported_algs(session, LIBSSH2_METHOD_CRYPT_CS, &supported);
    if (count <= 0) return;
    std::string pref;
    for (const char* want : kCipherPreference)
        for (int i = 0; i < count; ++i)
            if (std::string(want) == supported[i]) {
                if (!pref.empty()) pref += ',';
                pref += want;
            }
    libssh2_free(session, supported);
    if (pref.empty()) return;
    libssh2_session_method_pref(session, LIBSSH2_METHOD_CRYPT_CS, pref.c_str());
    libssh2_session_method_pref(session, LIBSSH2_METHOD_CRYPT_SC, pref.c_str());
}

void SshTransport::start_hop(size_t index) {
    const SshSettings& s = chain_[index];
    SshHop& hop = *hops_[index];
    LIBSSH2_SESSION* outer = hops_.front()->session();
    HostKeyPolicy policy = host_key_policy(s);
    tune_algorithms(hop.session());
    prefer_known_key_types(hop.session(), policy);
    auto deadline = Clock::now() + kStepTimeout;
    const unsigned long keyings_before = aes_ctr_read_ahead_keyings();
    long rc = wait_until(outer, fd_, deadline, [&] { return libssh2_session_handshake(hop.session(), fd_); });
    if (rc == LIBSSH2_ERROR_TIMEOUT)
        throw sdk::Error(SSHUTTLE_ESYSTEM, "SSH handshake with " + s.hostname + " port " + std::to_string(s.port) +
                                               " timed out (is it an SSH server?)");
    if (rc != 0)
        throw sdk::Error(SSHUTTLE_ESYSTEM, "SSH handshake with " + s.hostname + " port " + std::to_string(s.port) +
                                               " failed: " + hop.last_error());
    host_.debug("SSH to " + hop.label() + " over " + negotiated(hop.session()));
    // Counted, not assumed: the cipher contexts libssh2 just keyed really came from the read-ahead provider.
    if (unsigned long n = aes_ctr_read_ahead_keyings() - keyings_before; n > 0)
        host_.debug("AES-CTR keystream read ahead for " + std::to_string(n) + " cipher contexts of " + hop.label());
    verify_host_key(hop.session(), policy, prompter_, host_);
    AuthRequest auth;
    auth.settings = &s;
    if (index + 1 == chain_.size() && options_.count("password") != 0) auth.password = options_.at("password");
    auth.prompter = &prompter_;
    auth.host = &host_;
    auth.outer = outer;
    auth.step_timeout = kStepTimeout;
    authenticate(hop, auth);
    host_.debug("authenticated to " + label_of(s));
}

void SshTransport::connect() {
    const SshSettings& first = chain_.front();
    int timeout_s = positive_option(options_, "connect-timeout",
                                    first.connect_timeout_s > 0 ? first.connect_timeout_s : kDefaultConnectTimeout_s);
    fd_ = tcp_connect(first.hostname, first.port, Clock::now() + std::chrono::seconds(timeout_s));
    for (size_t i = 0; i < chain_.size(); ++i) {
        if (i == 0) {
            hops_.push_back(std::make_unique<SshHop>(fd_, label_of(chain_[0])));
            carriers_.push_back(nullptr);
        } else {
            const SshSettings& next = chain_[i];
            SshHop& via = *hops_[i - 1];
            LIBSSH2_CHANNEL* carrier = wait_for_pointer(
                via.session(), hops_.front()->session(), fd_, Clock::now() + kStepTimeout,
                [&] { return libssh2_channel_direct_tcpip_ex(via.session(), next.hostname.c_str(), next.port, "127.0.0.1", 0); });
            if (carrier == nullptr)
                throw sdk::Error(SSHUTTLE_ESYSTEM, "jump host " + chain_[i - 1].hostname + " could not connect to " +
                                                       next.hostname + " port " + std::to_string(next.port) + ": " +
                                                       via.last_error());
            carriers_.push_back(carrier);
            hops_.push_back(std::make_unique<SshHop>(fd_, carrier, label_of(next)));
        }
        start_hop(i);
    }
    open_exec_channel();
}

void SshTransport::open_exec_channel() {
    SshHop& hop = *hops_.back();
    LIBSSH2_SESSION* outer = hops_.front()->session();
    const unsigned window = static_cast<unsigned>(positive_option(options_, "window-bytes", kDefaultWindowBytes));
    channel_ = wait_for_pointer(hop.session(), outer, fd_, Clock::now() + kStepTimeout, [&] {
        return libssh2_channel_open_ex(hop.session(), "session", 7, window, kPacketBytes, nullptr, 0);
    });
    if (channel_ == nullptr)
        throw sdk::Error(SSHUTTLE_ESYSTEM, "could not open a session channel on " + hop.label() + ": " + hop.last_error());
    long rc = wait_until(outer, fd_, Clock::now() + kStepTimeout, [&] {
        return libssh2_channel_process_startup(channel_, "exec", 4, remote_command_.data(),
                                               static_cast<unsigned>(remote_command_.size()));
    });
    if (rc != 0)
        throw sdk::Error(SSHUTTLE_ECOMMAND, "the server " + hop.label() + " refused to run the remote command: " +
                                                hop.last_error());
    // libssh2 answers keepalives only on request; our own schedule in step() decides when to send them.
    libssh2_keepalive_config(hop.session(), 1, 1);
}

unsigned SshTransport::wants() const {
    if (PumpPort* p = port()) return p->wants();
    return channel_wants();
}

unsigned SshTransport::channel_wants() const {
    const auto& hops = root().hops_;
    if (hops.empty()) return SSHUTTLE_WANT_READ;
    int dirs = libssh2_session_block_directions(hops.front()->session());
    unsigned w = 0;
    if ((dirs & LIBSSH2_SESSION_BLOCK_INBOUND) != 0) w |= SSHUTTLE_WANT_READ;
    if ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0) w |= SSHUTTLE_WANT_WRITE;
    return w == 0 ? static_cast<unsigned>(SSHUTTLE_WANT_READ) : w;
}

bool SshTransport::channel_input_buffered() const {
    return !hops_.empty() && hops_.front()->socket_reader()->has_buffered();
}

void SshTransport::channel_readable() {
    if (!hops_.empty()) hops_.front()->socket_reader()->note_readable();
}

void SshTransport::drain_stderr() {
    if (channel_ == nullptr) return;
    char buf[4096];
    for (;;) {
        ssize_t n = libssh2_channel_read_stderr(channel_, buf, sizeof buf);
        if (n <= 0) return;
        // The remote server's log lines go where ssh would put them, our stderr, but escaped line by line: the
        // remote account must not be able to repaint our terminal or forge a line of our log.
        stderr_shown_.feed({buf, static_cast<size_t>(n)});
        stderr_tail_.append(buf, static_cast<size_t>(n));
        if (stderr_tail_.size() > 4096) stderr_tail_.erase(0, stderr_tail_.size() - 4096);
    }
}

bool SshTransport::channel_send_eof() {
    int rc = libssh2_channel_send_eof(channel_);
    if (rc == 0) return true;
    if (rc != LIBSSH2_ERROR_EAGAIN) fail_io("sending EOF");
    return false;
}

void SshTransport::fail_io(const std::string& what) {
    SshTransport& r = root();
    std::string why = r.hops_.empty() ? "not connected" : r.hops_.back()->last_error();
    r.dead_ = true;
    throw sdk::Error(SSHUTTLE_ESYSTEM, "connection to " + r.chain_.back().hostname + " lost while " + what + ": " + why);
}

std::string SshTransport::end_message() {
    std::string message;
    char* signal = nullptr;
    size_t signal_len = 0;
    libssh2_channel_get_exit_signal(channel_, &signal, &signal_len, nullptr, nullptr, nullptr, nullptr);
    if (signal != nullptr && signal_len > 0) {
        message = "killed by signal " + std::string(signal, signal_len);
        libssh2_free(root().hops_.back()->session(), signal);
    } else {
        message = "exit status " + std::to_string(libssh2_channel_get_exit_status(channel_));
    }
    stderr_shown_.finish();  // a last line without its newline is shown too
    std::string tail = stderr_tail_;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    if (auto nl = tail.rfind('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
    return tail.empty() ? message : message + ": " + tail;
}

long SshTransport::read(void* buf, size_t len) {
    PumpPort* p = port();
    if (p == nullptr) throw sdk::Error(SSHUTTLE_EINVAL, "read() before the connection is up");
    return p->read(buf, len);
}

long SshTransport::write(const void* buf, size_t len) {
    PumpPort* p = port();
    if (p == nullptr) throw sdk::Error(SSHUTTLE_EINVAL, "write() before the connection is up");
    return p->write(buf, len);
}

void SshTransport::shutdown_write() {
    PumpPort* p = port();
    if (p == nullptr) throw sdk::Error(SSHUTTLE_EINVAL, "shutdown_write() before the connection is up");
    p->shutdown_write();
}

long SshTransport::channel_read(void* buf, size_t len) {
    ssize_t n = libssh2_channel_read(channel_, static_cast<char*>(buf), len);
    if (n > 0) return static_cast<long>(n);
    if (n == LIBSSH2_ERROR_EAGAIN) {
        // The remote's stderr is read once stdout has nothing more for now, not before every read: each call
        // costs a recv() on the socket, and stderr carries only the server's log lines.
        drain_stderr();
        return 0;
    }
    // libssh2 1.10 reports a window adjustment it could not send yet (the carrier of a ProxyJump hop was busy) as
    // a send error, although it keeps the adjustment queued and sends it on the next read: not a dead connection.
    if (n == LIBSSH2_ERROR_SOCKET_SEND && root().hops_.back()->last_error().find("deferring") != std::string::npos)
        return 0;
    if (n < 0) fail_io("reading");
    if (!libssh2_channel_eof(channel_)) {
        drain_stderr();
        return 0;
    }
    // End of the remote's stdout: wait (without blocking) for the channel to close so the exit status is known.
    int rc = libssh2_channel_wait_closed(channel_);
    if (rc == LIBSSH2_ERROR_EAGAIN) return 0;
    drain_stderr();
    throw sdk::Error(SSHUTTLE_ECLOSED, end_message());
}

long SshTransport::channel_write(const void* buf, size_t len) {
    ssize_t n = libssh2_channel_write(channel_, static_cast<const char*>(buf), len);
    if (n >= 0) return static_cast<long>(n);
    if (n == LIBSSH2_ERROR_EAGAIN) return 0;
    fail_io("writing");
}

void SshTransport::close_all() {
    pump_.reset();  // joins the pump thread: from here on this thread alone uses libssh2
    // The waits below poll only after an EAGAIN: each must come from the socket itself.
    if (!hops_.empty()) hops_.front()->socket_reader()->set_quiet_period(std::chrono::microseconds(0));
    // On a dead path nothing may wait for the peer: shutting the socket down makes every send and receive
    // fail at once, so libssh2 frees without a goodbye.
    if (dead_ && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    auto deadline = Clock::now() + std::chrono::seconds(2);
    auto free_channel = [&](LIBSSH2_CHANNEL* ch) {
        if (ch != nullptr)
            wait_until(hops_.front()->session(), fd_, deadline, [&] { return libssh2_channel_free(ch); });
    };
    // Innermost first: each session says goodbye through its carrier, which belongs to the hop before it.
    free_channel(channel_);
    channel_ = nullptr;
    while (!hops_.empty()) {
        hops_.pop_back();
        if (!hops_.empty()) free_channel(carriers_.back());
        carriers_.pop_back();
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

}  // namespace sshuttle::plugins::transport_ssh
