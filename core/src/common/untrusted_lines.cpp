// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/untrusted_lines.hpp"

#include <unistd.h>

#include <cerrno>

#include "common/untrusted_text.hpp"

namespace sshuttle::common {

void UntrustedLineWriter::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline;
        partial_.append(bytes.substr(0, take));
        bytes.remove_prefix(newline == std::string_view::npos ? take : take + 1);
        if (newline != std::string_view::npos) {
            if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
            emit(partial_);
            partial_.clear();
        }
        // A remote that never ends its line must not grow our memory without bound.
        while (partial_.size() >= max_line_) {
            emit(std::string_view(partial_).substr(0, max_line_));
            partial_.erase(0, max_line_);
        }
    }
}

void UntrustedLineWriter::finish() {
    if (partial_.empty()) return;
    emit(partial_);
    partial_.clear();
}

void UntrustedLineWriter::emit(std::string_view line) {
    last_line_ = escape_untrusted(line);
    std::string out = last_line_ + '\n';
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to show it: the line is dropped, the stream is still read
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace sshuttle::common
