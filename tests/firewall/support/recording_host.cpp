// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/recording_host.hpp"

namespace sshuttle::test {

RecordingHost::RecordingHost(bool dry_run) {
    host_.struct_size = sizeof host_;
    host_.ctx = this;
    host_.log = nullptr;
    host_.run = &RecordingHost::run;
    host_.dry_run = dry_run ? 1 : 0;
}

void RecordingHost::answer(const std::string& joined, int status, const std::string& output) {
    answers_[joined] = {Answer{status, output}};
}

void RecordingHost::answer_in_turn(const std::string& joined, int status, const std::string& output) {
    answers_[joined].push_back({status, output});
}

std::string RecordingHost::take_transcript() {
    std::string out;
    out.swap(transcript_);
    return out;
}

int RecordingHost::run(void* ctx, const char* const* argv, const char* stdin_text,
                       void (*out)(void*, const char*, size_t), void* out_ctx, sshuttle_error*) {
    auto* self = static_cast<RecordingHost*>(ctx);
    std::string joined;
    for (const char* const* a = argv; *a != nullptr; ++a) joined += (joined.empty() ? "" : " ") + std::string(*a);
    self->transcript_ += "$ " + joined + "\n";
    if (stdin_text != nullptr) self->transcript_ += "<<EOF\n" + std::string(stdin_text) + "EOF\n";
    auto found = self->answers_.find(joined);
    if (found == self->answers_.end()) return 0;
    std::deque<Answer>& queue = found->second;
    Answer answer = queue.front();
    if (queue.size() > 1) queue.pop_front();  // the last answer repeats
    if (out != nullptr) out(out_ctx, answer.output.data(), answer.output.size());
    return answer.status;
}

}  // namespace sshuttle::test
