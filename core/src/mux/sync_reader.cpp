// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/sync_reader.hpp"

#include <utility>

#include "common/untrusted_text.hpp"
#include "mux/frame.hpp"

namespace sshuttle::mux {
namespace {

// What follows the two NULs of kSyncHeader.
constexpr std::string_view kSyncTag = kSyncHeader.substr(2);

}  // namespace

SyncReader::SyncReader(JunkLineHandler on_junk_line) : on_junk_line_(std::move(on_junk_line)) {}

std::size_t SyncReader::feed(std::span<const uint8_t> bytes) {
    std::size_t used = 0;
    while (state_ == State::kNeedMore && used < bytes.size()) {
        const char c = static_cast<char>(bytes[used++]);
        if (nuls_seen_ < 2) {
            if (c != '\0') {
                if (nuls_seen_ == 0) take_junk(c);  // between the NULs it is skipped unseen, as upstream does
                continue;
            }
            if (++nuls_seen_ == 1 && !line_.empty()) hand_on_line();
            continue;
        }
        tag_ += c;
        if (tag_.size() < kSyncTag.size()) continue;
        if (tag_ == kSyncTag) {
            state_ = State::kDone;
        } else {
            state_ = State::kFailed;
            error_ = "expected the server's sync header '" + std::string(kSyncTag) + "', got '" +
                     common::escape_untrusted(tag_) + "'";
        }
    }
    return used;
}

void SyncReader::end_of_stream() {
    if (!line_.empty()) hand_on_line();
}

void SyncReader::take_junk(char c) {
    if (!on_junk_line_) return;
    if (c == '\n') {
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        hand_on_line();
        return;
    }
    line_ += c;
    if (line_.size() >= kMaxJunkLine) hand_on_line();
}

void SyncReader::hand_on_line() {
    const std::string line = std::exchange(line_, {});
    on_junk_line_(line);
}

}  // namespace sshuttle::mux
