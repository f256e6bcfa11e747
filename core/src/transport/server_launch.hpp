// SPDX-License-Identifier: LGPL-2.1-or-later
// Starting the server: over a transport plugin (the built-in libssh2 one by default) or the system ssh binary
// (uploading the static helper into a cache on the remote when it is not there yet), as an installed command
// (--server-cmd), or as a local child (no -r). Every mode ends the same way: a ServerConnection whose sync
// header has been consumed, ready for the mux.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "transport/launch_config.hpp"
#include "transport/server_connection.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {

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

/// Starts the server as the options say and blocks until its sync header `\0\0SSHUTTLE0001` has been read
/// (junk before the first NUL is skipped, as upstream does). Bytes after the header are left unread.
/// Throws TransportError with one clear line; the child is reaped and the fd closed in that case.
std::unique_ptr<ServerConnection> start_server(const LaunchConfig& options, const LaunchParams& params);

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
    friend std::unique_ptr<ServerConnection> finish_server(PendingServer pending);
    std::unique_ptr<State> state_;
};

/// Spawns the server child (ssh, the local server, --server-cmd) and returns at once. Throws TransportError.
PendingServer launch_server(const LaunchConfig& options, const LaunchParams& params);
/// Blocks until the sync header of a launched server has been read, answering an upload request on the way.
std::unique_ptr<ServerConnection> finish_server(PendingServer pending);

}  // namespace sshuttle::transport
