// SPDX-License-Identifier: LGPL-2.1-or-later
// The mux byte stream as the peer sends it: the sync preamble (SyncReader), then frames (FrameDecoder), split
// into chunks at places the input chooses; frames decoded from copied reads and in place must agree.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include "mux/frame.hpp"
#include "mux/sync_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64;  // how the stream is cut into reads
    std::span<const uint8_t> rest(data + 1, size - 1);
    sshuttle::mux::SyncReader sync;
    while (!rest.empty() && sync.state() == sshuttle::mux::SyncReader::State::kNeedMore) {
        const auto piece = rest.first(std::min(chunk, rest.size()));
        const std::size_t used = sync.feed(piece);
        if (used > piece.size()) __builtin_trap();
        rest = rest.subspan(used == piece.size() ? piece.size() : used);
        if (used < piece.size()) break;
    }
    // Two decoders side by side: one copies every read (feed), one decodes in place (feed_borrowed, as the mux
    // does), each read in a buffer of its own that is freed after keep_rest(), so ASan sees any frame that
    // outlives it. They must hand out the same frames and the same error.
    sshuttle::mux::FrameDecoder copied;
    sshuttle::mux::FrameDecoder borrowed;
    const auto drain = [](sshuttle::mux::FrameDecoder& decoder) {
        std::vector<std::tuple<uint16_t, uint16_t, std::vector<uint8_t>>> frames;
        while (auto frame = decoder.next()) {
            if (frame->payload.size() > sshuttle::mux::kMaxPayload) __builtin_trap();
            (void)sshuttle::mux::command_name(frame->command);
            frames.emplace_back(frame->channel, frame->command,
                                std::vector<uint8_t>(frame->payload.begin(), frame->payload.end()));
        }
        return frames;
    };
    while (!rest.empty()) {
        const auto piece = rest.first(std::min(chunk, rest.size()));
        rest = rest.subspan(piece.size());
        copied.feed(piece);
        const auto from_copied = drain(copied);
        auto read = std::make_unique<uint8_t[]>(piece.size());
        std::memcpy(read.get(), piece.data(), piece.size());
        borrowed.feed_borrowed(std::span<const uint8_t>(read.get(), piece.size()));
        const auto from_borrowed = drain(borrowed);
        borrowed.keep_rest();
        read.reset();
        if (from_copied != from_borrowed || copied.error() != borrowed.error() ||
            copied.pending_bytes() != borrowed.pending_bytes())
            __builtin_trap();
        if (!copied.error().empty()) break;
    }
    return 0;
}
