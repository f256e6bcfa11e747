// SPDX-License-Identifier: LGPL-2.1-or-later
// Shell words as Python's shlex (POSIX mode) reads and writes them: SSHUTTLE_ARGS and -e/--ssh-cmd are split
// this way by upstream. (Writing them, quoted for a shell, is common/shell_quote.hpp.)
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sshuttle::util {

/// Splits text into words: whitespace separates, '...' is literal, "..." lets a backslash escape only '"' and
/// '\', a backslash outside quotes escapes the next character. No comments. Throws std::invalid_argument
/// ("no closing ' quote", "nothing after the final '\\'") for unterminated input.
std::vector<std::string> split_shell_words(const std::string& text);

}  // namespace sshuttle::util
