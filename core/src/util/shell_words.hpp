// SPDX-License-Identifier: LGPL-2.1-or-later
// Shell words as Python's shlex (POSIX mode) reads and writes them: SSHUTTLE_ARGS and -e/--ssh-cmd are split
// this way by upstream, and commands are shown in logs quoted so they can be pasted into a shell.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "common/shell_quote.hpp"

namespace sshuttle::util {

/// Splits text into words: whitespace separates, '...' is literal, "..." lets a backslash escape only '"' and
/// '\', a backslash outside quotes escapes the next character. No comments. Throws std::invalid_argument
/// ("no closing ' quote", "nothing after the final '\\'") for unterminated input.
std::vector<std::string> split_shell_words(const std::string& text);

// Joining is common's (the plugins show commands too); the transport still calls it by this name.
using common::join_shell_words;

}  // namespace sshuttle::util
