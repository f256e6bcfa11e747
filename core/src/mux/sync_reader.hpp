// SPDX-License-Identifier: LGPL-2.1-or-later
// The one reader of the server's sync header `\0\0SSHUTTLE0001` (kSyncHeader), found the way upstream's client
// finds it: whatever the remote prints before the first NUL (motd, rc files, our bootstrap's marker lines) is
// junk, handed on line by line to whoever wants it; anything up to the second NUL is skipped; then exactly
// "SSHUTTLE0001" must follow. No byte after the header is consumed, so the frames start right there.
// Both the mux (fed whatever it reads) and the launch code (fed byte by byte) use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace sshuttle::mux {

class SyncReader {
   public:
    enum class State { kNeedMore, kDone, kFailed };
    /// Called with each junk line without its "\n" (and "\r"), and with a last one cut short by the first NUL.
    using JunkLineHandler = std::function<void(const std::string& line)>;
    /// A junk line without a newline is handed on in pieces of this size, so a remote streaming endless junk
    /// cannot grow our memory without bound.
    static constexpr std::size_t kMaxJunkLine = 4096;

    SyncReader() = default;
    explicit SyncReader(JunkLineHandler on_junk_line);

    /// Consumes bytes; returns how many belonged to the preamble (the rest are mux frames).
    std::size_t feed(std::span<const uint8_t> bytes);
    /// The stream has ended: hands on a last unterminated junk line.
    void end_of_stream();
    State state() const { return state_; }
    /// Why kFailed, naming (escaped) what was received instead of the tag.
    const std::string& error() const { return error_; }

   private:
    void take_junk(char c);
    void hand_on_line();

    JunkLineHandler on_junk_line_;
    State state_ = State::kNeedMore;
    int nuls_seen_ = 0;
    std::string line_;  // the junk line being collected (only with a handler)
    std::string tag_;   // what followed the second NUL so far
    std::string error_;
};

}  // namespace sshuttle::mux
