// SPDX-License-Identifier: LGPL-2.1-or-later
// How much the mux lets queue up, derived from --latency-buffer-size and --no-latency-control.
//
// Upstream stops all channels after latency_buffer_size bytes until a PING/PONG round trip completes, which
// caps throughput at buffer/RTT. We keep the knob but give it a local meaning instead: it bounds the bytes
// that are queued in our process but not yet written to the transport. Those bytes are what an interactive
// frame may have to wait behind, so a small bound keeps its added latency low; the kernel socket buffer of
// the transport (plus TCP_NOTSENT_LOWAT where the transport sets it) does the rest. Room frees as soon as the
// transport accepts bytes, so no round trip is ever waited for.
#pragma once

#include <algorithm>
#include <cstddef>

#include "mux/frame.hpp"

namespace sshuttle::mux {

struct FlowLimits {
    /// A channel stops reading its socket while this many bytes of its frames wait in the mux.
    std::size_t per_channel_bytes = 0;
    /// Every channel stops reading while this many bytes wait in the mux in total (all channels + write buffer).
    std::size_t total_bytes = 0;
    /// Bytes received from the peer but not yet written to local sockets, all channels together. The mux
    /// never stops reading the transport for them (that would stall every channel behind one stuck socket);
    /// above this, a frame for a channel holding more than its fair share resets that channel.
    std::size_t receive_backlog_bytes = 0;
    /// A channel without a window whose backlog reaches this and whose socket then takes no byte for the
    /// stuck time-out is reset (MuxOptions::stuck_timeout).
    std::size_t channel_backlog_bytes = 0;
    /// A channel whose backlog exceeds this is reset once its socket took nothing for a short grace (1 s): the
    /// peer keeps sending to a socket that does not keep up, and waiting for the time-out would cost this much
    /// memory per channel.
    std::size_t channel_backlog_cap = 0;
    /// Bytes one socket read may take (then split into frames). At least one full frame; more only when the
    /// per-channel bound allows it: a larger read lets one bulk channel put several frames in a batch ahead
    /// of an interactive frame (measured: +0.4 ms p50 RTT under a download), but costs fewer wake-ups per byte.
    std::size_t read_bytes = 0;

    static FlowLimits from(bool latency_control, std::size_t latency_buffer_size) {
        const std::size_t buffer = std::max<std::size_t>(latency_buffer_size, 2048);
        FlowLimits limits;
        if (latency_control) {
            // Default 32 KiB: 32 KiB per channel and 256 KiB in total, a few ms of a fast link.
            limits = {buffer, buffer * 8, std::max<std::size_t>(buffer * 256, 8u << 20)};
        } else {
            // Without latency control favour throughput: deep queues, bounded only to protect memory.
            limits = {std::max<std::size_t>(buffer * 32, 1u << 20), std::max<std::size_t>(buffer * 512, 16u << 20),
                      std::max<std::size_t>(buffer * 1024, 32u << 20)};
        }
        limits.channel_backlog_bytes = latency_control ? (1u << 20) : (4u << 20);
        limits.channel_backlog_cap = 4 * limits.channel_backlog_bytes;
        limits.receive_backlog_bytes = std::max(limits.receive_backlog_bytes, 2 * limits.channel_backlog_cap);
        limits.read_bytes = std::clamp<std::size_t>(limits.per_channel_bytes, kMaxPayload, kMaxReadBytes);
        return limits;
    }
    static constexpr std::size_t kMaxReadBytes = 4 * kMaxPayload;
};

}  // namespace sshuttle::mux
