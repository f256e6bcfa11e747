// SPDX-License-Identifier: LGPL-2.1-or-later
// The one way an argv is shown as text, in the core (logs, the commands it runs through a shell) and in the
// plugins (their dry-run listings and error messages): quoted for /bin/sh, so a shown command can be pasted
// into a shell and means what was run. Splitting shell words back is the core's alone (util/shell_words.hpp).
#pragma once

#include <string>
#include <vector>

namespace sshuttle::common {

/// s as it is when it holds only characters that no shell treats specially (letters, digits, @%_-+=:,./),
/// else in single quotes, each ' inside written as '\''. The empty string is ''.
std::string shell_quote(const std::string& s);

/// The words joined by single spaces, each passed through shell_quote().
std::string join_shell_words(const std::vector<std::string>& words);

}  // namespace sshuttle::common
