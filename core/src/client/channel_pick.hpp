// SPDX-License-Identifier: LGPL-2.1-or-later
// Which SSH channel a new TCP connection rides (issue 17): one SSH channel's window caps a long link, so
// connections are spread over several channels of the same SSH connection, each with its own server and mux.
// A connection stays on its channel for its life; this only decides where a new one goes.
#pragma once

#include <cstddef>
#include <span>

namespace sshuttle::client {

struct ChannelPick {
    std::size_t index = 0;  // the channel to use; == loads.size() when a new channel is to be opened for it
    bool open_new = false;
};

/// `loads[i]`: connections on channel i (0 = the primary), those waiting for a channel still opening included.
/// A new channel is opened when growing is allowed (both ends speak our extension and the transport can open
/// channels), every channel already carries at least one connection, and fewer than `max_channels` exist.
/// Otherwise the least loaded channel is picked, the lowest index on a tie (the primary first).
ChannelPick pick_channel(std::span<const std::size_t> loads, std::size_t max_channels, bool may_grow);

}  // namespace sshuttle::client
