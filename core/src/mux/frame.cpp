// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/frame.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "common/untrusted_text.hpp"

namespace sshuttle::mux {
namespace {

constexpr std::array<const char*, 15> kCommandNames = {
    "EXIT",     "PING",      "PONG",    "TCP_CONNECT", "TCP_STOP_SENDING",
    "TCP_EOF",  "TCP_DATA",  "ROUTES",  "HOST_REQ",    "HOST_LIST",
    "DNS_REQ",  "DNS_RESPONSE", "UDP_OPEN", "UDP_DATA", "UDP_CLOSE",
};
constexpr uint16_t kFirstCommand = 0x4200;

uint16_t read_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

void append_u16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v & 0xff));
}

}  // namespace

bool is_known_command(uint16_t value) {
    return value >= kFirstCommand && value < kFirstCommand + kCommandNames.size();
}

std::string command_name(uint16_t value) {
    if (is_known_command(value)) return kCommandNames[value - kFirstCommand];
    return fmt::format("{:#06x}", value);
}

void append_frame(std::vector<uint8_t>& out, uint16_t channel, Command cmd, std::span<const uint8_t> payload) {
    // A longer payload would not fit the u16 length and the peer would read the rest as frames.
    if (payload.size() > kMaxPayload)
        throw std::length_error(fmt::format("{} payload of {} bytes exceeds the frame limit of {}",
                                            command_name(static_cast<uint16_t>(cmd)),
                                            payload.size(), kMaxPayload));
    out.reserve(out.size() + kHeaderSize + payload.size());
    out.push_back('S');
    out.push_back('S');
    append_u16(out, channel);
    append_u16(out, static_cast<uint16_t>(cmd));
    append_u16(out, static_cast<uint16_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
}

void FrameDecoder::compact() {
    // Compact lazily: moving the unread tail once per feed keeps the buffer small without per-frame copies.
    if (consumed_ > 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
}

void FrameDecoder::feed(std::span<const uint8_t> bytes) {
    keep_rest();
    compact();
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void FrameDecoder::feed_borrowed(std::span<const uint8_t> bytes) {
    keep_rest();
    compact();
    if (!buffer_.empty()) {
        // A frame held back from the last read: copy only what completes it (its header first, to learn its
        // length), and borrow the rest.
        const auto take = [&](std::size_t wanted) {
            const std::size_t n = std::min(wanted, bytes.size());
            buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
            bytes = bytes.subspan(n);
        };
        if (buffer_.size() < kHeaderSize) take(kHeaderSize - buffer_.size());
        if (buffer_.size() >= kHeaderSize) {
            const std::size_t whole = kHeaderSize + read_u16(buffer_.data() + 6);
            // Already more than one frame (bytes from feed() that were not decoded): copy all, as feed() does,
            // so that the held bytes and the borrowed ones never both hold part of a frame.
            take(whole > buffer_.size() ? whole - buffer_.size() : bytes.size());
        }
    }
    borrowed_ = bytes;
}

void FrameDecoder::keep_rest() {
    if (borrowed_.empty()) return;
    compact();
    buffer_.insert(buffer_.end(), borrowed_.begin(), borrowed_.end());
    borrowed_ = {};
}

std::optional<FrameView> FrameDecoder::parse(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderSize) return std::nullopt;
    const uint8_t* header = bytes.data();
    if (header[0] != 'S' || header[1] != 'S') {
        error_ = fmt::format("bad frame magic '{}' (expected 'SS')",
                             common::escape_untrusted(std::string_view(reinterpret_cast<const char*>(header), 2)));
        return std::nullopt;
    }
    const std::size_t length = read_u16(header + 6);
    if (bytes.size() < kHeaderSize + length) return std::nullopt;
    FrameView frame;
    frame.channel = read_u16(header + 2);
    frame.command = read_u16(header + 4);
    frame.payload = std::span<const uint8_t>(header + kHeaderSize, length);
    return frame;
}

std::optional<FrameView> FrameDecoder::next() {
    if (!error_.empty()) return std::nullopt;
    if (consumed_ < buffer_.size()) {
        // Held bytes come first; the borrowed ones follow them in the stream.
        auto frame = parse(std::span<const uint8_t>(buffer_).subspan(consumed_));
        if (frame) consumed_ += kHeaderSize + frame->payload.size();
        return frame;
    }
    auto frame = parse(borrowed_);
    if (frame) borrowed_ = borrowed_.subspan(kHeaderSize + frame->payload.size());
    return frame;
}

}  // namespace sshuttle::mux
