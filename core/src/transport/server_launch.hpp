// SPDX-License-Identifier: LGPL-2.1-or-later
// Starting the server: over the system ssh binary (uploading the static helper into a cache on the remote when
// it is not there yet), as an installed command (--server-cmd), or as a local child (no -r). Every mode ends the
// same way: a connected socket on which the server's sync header has been consumed, ready for the mux.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "stream/byte_stream.hpp"
#include "transport/launch_config.hpp"
#include "transport/ssh_config.hpp"
#include "net/address.hpp"

namespace sshuttle::transport {

class PluginConnection;
struct LaunchPlan;

/// Starting the server failed; what() is one line that names the cause and, where there is one, the fix.
class TransportError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

/// What the caller knows that the options do not say.
struct LaunchParams {
    /// Local mode: the server marks its outgoing sockets with this fwmark so that the firewall skips them
    /// (passed as `--mark N`; 0 = not passed).
    uint32_t bypass_mark = 0;
    /// Local mode: the binary that understands `--server` (this program).
    std::string self_exe = "/proc/self/exe";
    /// The SHA-256 the uploaded helper must have; empty: built_helper_sha256(). Tests set it for a stand-in.
    std::string helper_sha256;
    /// Nobody can answer a prompt (a reconnect without a terminal, -D, systemd): ssh gets -o BatchMode=yes and
    /// the built-in ssh transport batch-mode=yes, so an attempt that needs a person fails at once instead of
    /// waiting for one.
    bool batch_mode = false;
    /// A private directory (ControlDir) for the ssh program's connection-sharing socket; empty = no sharing,
    /// so no extra channel over the ssh program.
    std::string control_dir;
};

/// How to start another server on the SSH connection of a started one (an extra SSH channel, issue 17):
/// `ssh -S <its socket> -o ControlMaster=no ...`, or the transport plugin's open_channel. Empty when the
/// connection cannot (local mode, a plugin of ABI minor 1, an -e program that is not OpenSSH's ssh).
struct ExtraChannelSource {
    std::shared_ptr<const LaunchPlan> plan;
    std::shared_ptr<PluginConnection> plugin;  // set when the plugin opens the channel
    explicit operator bool() const { return plan != nullptr; }
};

/// A started server whose sync header has been read.
struct ServerLaunch {
    pid_t pid = -1;           // ssh, the local server, or the --server-cmd shell; reap it with server_alive()
    int fd = -1;              // our end of the socketpair (blocking, close-on-exec); the next byte is the mux's
    std::string description;  // "ssh user@host", "local server", ... for messages
    bool uploaded = false;    // the helper was not in the remote cache and has been sent
    std::shared_ptr<PluginConnection> plugin;  // a transport plugin's connection (then pid and fd are -1)
    ExtraChannelSource extra;                  // how to open more channels on the same SSH connection
};

/// Starts the server as the options say and blocks until its sync header `\0\0SSHUTTLE0001` has been read
/// (junk before the first NUL is skipped, as upstream does). Bytes after the header are left unread.
/// Throws TransportError with one clear line; the child is reaped and the fd closed in that case.
ServerLaunch start_server(const LaunchConfig& options, const LaunchParams& params);

/// start_server in two steps, so that the caller can do other work while ssh connects (the slowest part of
/// the start). Destroying a PendingServer that was never finished kills and reaps its child.
class PendingServer {
   public:
    PendingServer();
    PendingServer(PendingServer&&) noexcept;
    PendingServer& operator=(PendingServer&&) = delete;
    ~PendingServer();
    struct State;

   private:
    friend PendingServer launch_server(const LaunchConfig& options, const LaunchParams& params);
    friend ServerLaunch finish_server(PendingServer pending);
    std::unique_ptr<State> state_;
};

/// Spawns the server child (ssh, the local server, --server-cmd) and returns at once. Throws TransportError.
PendingServer launch_server(const LaunchConfig& options, const LaunchParams& params);
/// Blocks until the sync header of a launched server has been read, answering an upload request on the way.
ServerLaunch finish_server(PendingServer pending);

/// Starts one more server on the SSH connection `source` came from (no new authentication) and blocks until its
/// sync header has been read. Throws TransportError (or TransportUnsupported from a plugin that cannot).
/// Safe on another thread than the one using the primary connection.
ServerLaunch start_extra_server(const ExtraChannelSource& source);

/// What the ssh program will do for -r, by `ssh -G` through the -e command: whether the configuration shares
/// connections itself (ControlMaster/ControlPath; then we reuse that and run no master of our own) and which
/// ciphers it offers. nullopt when the -e program is not OpenSSH's ssh or `ssh -G` fails: then no extra
/// channel over the ssh program, and its cipher order is left alone.
std::optional<SshTarget> ssh_program_settings(const LaunchConfig& options);

/// The addresses the firewall must not capture so that ssh keeps reaching its server: the -r host, or what
/// `ssh -G` says the real HostName or first ProxyJump hop is. Empty in local mode or when nothing resolves.
std::vector<net::IpAddress> ssh_server_addresses(const LaunchConfig& options);

/// True while pid runs. Once it has exited, reaps it, stores its exit code (or 128+signal) in *exit_status
/// when given, and returns false. Safe to call repeatedly until it returns false.
bool server_alive(pid_t pid, int* exit_status = nullptr);

/// The mux's stream to a started server: its socket, or the transport plugin's connection.
std::unique_ptr<stream::ByteStream> make_server_stream(boost::asio::io_context& io, const ServerLaunch& server);

/// Ends a server at the close of the session: SIGTERM, then SIGKILL after a second, or closing the plugin's
/// connection. Returns how it had ended by itself ("exit code 255 ..."), or "" when it was still running.
std::string stop_server(ServerLaunch& server);

/// What an exit code of ssh / the server means, in upstream's terms (97, 98, 99, 127, 255) and ours.
std::string describe_exit(int exit_status);

}  // namespace sshuttle::transport
