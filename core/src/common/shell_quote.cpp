// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/shell_quote.hpp"

#include <string_view>

namespace sshuttle::common {

std::string shell_quote(const std::string& s) {
    constexpr std::string_view kSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./";
    if (!s.empty() && s.find_first_not_of(kSafe) == std::string::npos) return s;
    // Nothing is special inside single quotes but the quote itself: close, add an escaped one, reopen.
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::string join_shell_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) out += ' ';
        out += shell_quote(word);
    }
    return out;
}

}  // namespace sshuttle::common
