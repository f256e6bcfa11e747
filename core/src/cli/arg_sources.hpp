// SPDX-License-Identifier: LGPL-2.1-or-later
// Where arguments come from besides argv: `@file` argument files (upstream's argparse fromfile_prefix_chars
// with its convert_arg_line_to_args) and the SSHUTTLE_ARGS environment variable (shlex-split).
#pragma once

#include <string>
#include <vector>

namespace sshuttle::cli {

/// Replaces every `@path` token by the tokens of that file, in place and recursively. One token per line;
/// a line whose first character is '#' is a comment; surrounding whitespace is stripped; one pair of
/// matching quotes around the whole line is removed; blank lines are skipped. Throws UsageError.
std::vector<std::string> expand_at_files(const std::vector<std::string>& args);

/// POSIX-shell-like word splitting (Python's shlex.split): whitespace separates words, '...' is literal,
/// "..." allows \" and \\, a backslash outside quotes escapes the next character. Throws UsageError.
std::vector<std::string> split_shell_words(const std::string& text);

}  // namespace sshuttle::cli
