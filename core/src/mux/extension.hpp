// SPDX-License-Identifier: LGPL-2.1-or-later
// The mux extension both of our ends speak when they meet (docs/mux-extension.md): a hello carried in the
// server's first PING (upstream echoes any PING payload and looks at nothing else, so it never notices) and a
// WINDOW frame per TCP channel that grants the peer more bytes of TCP_DATA. Pure codec: no I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mux/frame.hpp"

namespace sshuttle::mux {

/// Outside upstream's 0x4200..0x420e, so it can never be mistaken for one of its commands.
inline constexpr uint16_t kWindowCommand = 0x4280;
inline constexpr uint32_t kExtensionVersion = 1;
/// Bounds on what a hello may announce: below a frame's worth nothing moves, above the cap is no window.
inline constexpr uint32_t kMinInitialWindow = 2048;
inline constexpr uint32_t kMaxWindow = 64u << 20;

struct ExtensionHello {
    uint32_t version = kExtensionVersion;
    /// Bytes of TCP_DATA the announcing side accepts on every windowed channel before its first WINDOW.
    uint32_t initial_window = 0;
};

/// "SSHUTTLE-CPP-EXT/<version> window=<bytes>" as a PING payload.
std::string encode_hello(const ExtensionHello& hello);
/// The hello in a PING payload; nullopt for anything else (upstream's "chicken", garbage, other versions,
/// a window outside [kMinInitialWindow, kMaxWindow]).
std::optional<ExtensionHello> parse_hello(std::span<const uint8_t> payload);

/// WINDOW payload: the increment as u32 big-endian.
std::vector<uint8_t> encode_window(uint32_t increment);
/// The increment; nullopt unless the payload is exactly 4 bytes holding 1..kMaxWindow.
std::optional<uint32_t> parse_window(std::span<const uint8_t> payload);

}  // namespace sshuttle::mux
