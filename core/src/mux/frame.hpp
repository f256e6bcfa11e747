// SPDX-License-Identifier: LGPL-2.1-or-later
// The sshuttle mux wire format, byte-compatible with upstream (ssnet.py): the server first sends the 14-byte
// sync header, then both sides exchange frames of an 8-byte header ('S','S', u16 channel, u16 command,
// u16 payload length, all big-endian) followed by the payload. This file is a pure codec: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sshuttle::mux {

/// What the server sends first; mux/sync_reader.hpp finds it.
inline constexpr std::string_view kSyncHeader{"\0\0SSHUTTLE0001", 14};
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kMaxPayload = 65535;

enum class Command : uint16_t {
    kExit = 0x4200,
    kPing = 0x4201,
    kPong = 0x4202,
    kTcpConnect = 0x4203,
    kTcpStopSending = 0x4204,
    kTcpEof = 0x4205,
    kTcpData = 0x4206,
    kRoutes = 0x4207,
    kHostReq = 0x4208,
    kHostList = 0x4209,
    kDnsReq = 0x420a,
    kDnsResponse = 0x420b,
    kUdpOpen = 0x420c,
    kUdpData = 0x420d,
    kUdpClose = 0x420e,
};

/// True for the values 0x4200..0x420e.
bool is_known_command(uint16_t value);
/// "TCP_DATA", "PING", ... or "0x1234" for unknown values.
std::string command_name(uint16_t value);

/// Appends one encoded frame to out. The payload must be at most kMaxPayload bytes.
void append_frame(std::vector<uint8_t>& out, uint16_t channel, Command cmd, std::span<const uint8_t> payload);

/// A decoded frame; payload points into the decoder's buffer (or the borrowed bytes) and is valid until the next
/// feed(), feed_borrowed() or keep_rest().
struct FrameView {
    uint16_t channel = 0;
    uint16_t command = 0;
    std::span<const uint8_t> payload;
};

/// Incremental frame decoder: accepts the byte stream split anywhere.
class FrameDecoder {
   public:
    /// Adds received bytes (a copy). Invalidates the payload of frames returned earlier.
    void feed(std::span<const uint8_t> bytes);
    /// Adds received bytes without copying the frames they hold whole: next() returns those in place, so
    /// `bytes` must stay unchanged until keep_rest(), which copies whatever is left undecoded. Only the bytes
    /// that complete a frame held back from earlier are copied. The mux's receive path: most bytes read from the
    /// transport are then copied once less on their way to a channel.
    void feed_borrowed(std::span<const uint8_t> bytes);
    /// Ends a feed_borrowed(): the undecoded tail of the borrowed bytes is copied in.
    void keep_rest();
    /// Next complete frame, or nullopt when more bytes are needed or the stream is bad (see error()).
    std::optional<FrameView> next();
    /// Non-empty once the stream is known to be corrupt (e.g. bad magic); the decoder then stays stuck.
    const std::string& error() const { return error_; }
    /// Bytes of an incomplete frame held back; non-zero at EOF means a truncated frame.
    std::size_t pending_bytes() const { return buffer_.size() - consumed_ + borrowed_.size(); }

   private:
    void compact();
    /// The frame at the start of bytes, if whole; sets error_ on a bad magic.
    std::optional<FrameView> parse(std::span<const uint8_t> bytes);

    std::vector<uint8_t> buffer_;
    std::size_t consumed_ = 0;
    std::span<const uint8_t> borrowed_;  // fed by feed_borrowed(), not yet decoded
    std::string error_;
};

}  // namespace sshuttle::mux
