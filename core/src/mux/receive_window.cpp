// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/receive_window.hpp"

#include <algorithm>

namespace sshuttle::mux {

ReceiveWindow::ReceiveWindow(uint32_t initial, uint32_t cap, Clock::time_point now)
    : window_(initial), cap_(std::max(cap, initial)), granted_(initial), epoch_start_(now) {}

bool ReceiveWindow::on_received(std::size_t bytes) {
    received_ += bytes;
    return received_ <= granted_;
}

uint32_t ReceiveWindow::on_delivered(std::size_t bytes, Clock::time_point now, Clock::duration rtt) {
    delivered_ += bytes;
    if (delivered_ - epoch_delivered_ >= window_) {
        if (now - epoch_start_ < 2 * rtt && window_ < cap_) window_ = std::min(window_ * 2, cap_);
        epoch_start_ = now;
        epoch_delivered_ = delivered_;
    }
    // At most window_ bytes may wait for the socket: grant up to delivered_ + window_. Bytes a peer sent
    // beyond its grant count as delivered once written, so they shrink what it is granted next.
    const uint64_t target = delivered_ + window_;
    if (target <= granted_ || target - granted_ < window_ / 4) return 0;
    const uint64_t increment = std::min(target - granted_, cap_);  // one WINDOW frame holds at most the cap
    granted_ += increment;
    return static_cast<uint32_t>(increment);
}

}  // namespace sshuttle::mux
