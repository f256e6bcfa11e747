// SPDX-License-Identifier: LGPL-2.1-or-later
// 32-bit integers in network byte order, as the wire formats here carry them: the mux extension's window
// increments (mux/extension.cpp) and OpenSSH's connection-sharing messages (transport/ssh_mux_messages.cpp).
#pragma once

#include <cstdint>
#include <vector>

namespace sshuttle::common {

inline void append_be32(std::vector<uint8_t>& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

/// The four bytes at `bytes` (the caller has checked that they are there).
inline uint32_t load_be32(const uint8_t* bytes) {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
}

}  // namespace sshuttle::common
