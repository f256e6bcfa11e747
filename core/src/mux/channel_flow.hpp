// SPDX-License-Identifier: LGPL-2.1-or-later
// What the mux knows about one TCP channel's flow: its receive backlog (bytes from the peer not yet written to
// the socket) and, when the extension is on for it, its send credit and receive window. Shared between the
// mux (while the id is attached) and the channel (until its socket is gone), so a channel that is still
// draining after its id was freed and reused never counts against the new channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <optional>

#include "mux/receive_window.hpp"

namespace sshuttle::mux {

struct ChannelFlow {
    /// Both ends use the extension's windows on this channel (decided before its first TCP_DATA).
    bool windowed = false;
    /// A TCP_DATA frame arrived: too late to turn windows on.
    bool saw_data = false;
    /// False once the channel id was detached: grants for it would land on whoever reuses the id.
    bool attached = true;
    /// Bytes of TCP_DATA we may still send (windowed only).
    uint64_t send_credit = 0;
    std::optional<ReceiveWindow> receive;  // windowed only
    /// Bytes received for the socket and not yet written to it.
    std::size_t backlog = 0;
    /// Since when the socket has taken nothing: set when the backlog reaches its bound and on every delivery.
    /// Over the bound and quiet for the stuck grace, it is stuck; one that took bytes since is slow. (Not "since
    /// the bound": a socket that takes a few buffers after it and then stops is as stuck.)
    std::chrono::steady_clock::time_point quiet_since{};
};

}  // namespace sshuttle::mux
