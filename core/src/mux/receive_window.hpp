// SPDX-License-Identifier: LGPL-2.1-or-later
// The receiving half of a windowed channel (docs/mux-extension.md): how many bytes the peer may send, when
// to grant more, and how far the window grows. Pure: the caller passes the time and the round-trip time.
//
// The peer may have granted_ - received_ bytes in flight. Each byte our socket takes is granted again, so at
// most window() bytes wait for a socket. Grants go out once a quarter of the window is free: fewer WINDOW
// frames than one per write, yet the sender never runs dry while a round trip brings the next grant.
// Auto-tuning (as HPN-SSH and QUIC stacks do): when the socket took a whole window in less than two round
// trips, the window, not the socket, was what limited the rate, so the window doubles (up to the cap). A
// slow or stuck socket never grows it, so its backlog stays at the modest initial size.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sshuttle::mux {

class ReceiveWindow {
   public:
    using Clock = std::chrono::steady_clock;

    /// initial bytes were granted with the channel's opening; cap bounds the growth.
    ReceiveWindow(uint32_t initial, uint32_t cap, Clock::time_point now);

    /// Counts bytes that arrived; false when they exceed what was granted (the caller decides what to do).
    bool on_received(std::size_t bytes);
    /// Counts bytes our socket took; returns how many more bytes to grant now (0: no WINDOW frame yet).
    uint32_t on_delivered(std::size_t bytes, Clock::time_point now, Clock::duration rtt);

    uint32_t window() const { return static_cast<uint32_t>(window_); }
    /// Bytes received beyond the grant (0 for a peer that keeps to it).
    uint64_t overrun() const { return received_ > granted_ ? received_ - granted_ : 0; }

   private:
    uint64_t window_;
    uint64_t cap_;
    uint64_t granted_;
    uint64_t received_ = 0;
    uint64_t delivered_ = 0;
    uint64_t epoch_delivered_ = 0;  // delivered_ when the current measuring epoch began
    Clock::time_point epoch_start_;
};

}  // namespace sshuttle::mux
