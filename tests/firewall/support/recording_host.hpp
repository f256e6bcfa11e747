// SPDX-License-Identifier: LGPL-2.1-or-later
// A fake sshuttle_host_v1 that records every command (argv and stdin) instead of running it, and answers
// with canned exit statuses and outputs, so that command sequences are tested without root.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "sshuttle/plugin_abi.h"

namespace sshuttle::test {

class RecordingHost {
   public:
    explicit RecordingHost(bool dry_run = false);
    RecordingHost(const RecordingHost&) = delete;
    RecordingHost& operator=(const RecordingHost&) = delete;

    const sshuttle_host_v1* get() const { return &host_; }

    /// The command `joined` (argv joined by spaces) exits with status and prints output (replacing earlier answers).
    void answer(const std::string& joined, int status, const std::string& output = "");
    /// Adds one more answer for `joined`: the answers are given in turn, the last one repeating.
    void answer_in_turn(const std::string& joined, int status, const std::string& output = "");

    /// Every command so far, one "$ argv" line each, stdin text as a heredoc; then clears the record.
    std::string take_transcript();

   private:
    static int run(void* ctx, const char* const* argv, const char* stdin_text, void (*out)(void*, const char*, size_t),
                   void* out_ctx, sshuttle_error* err);

    struct Answer {
        int status = 0;
        std::string output;
    };
    sshuttle_host_v1 host_{};
    std::map<std::string, std::deque<Answer>> answers_;
    std::string transcript_;
};

}  // namespace sshuttle::test
