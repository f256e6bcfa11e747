// SPDX-License-Identifier: LGPL-2.1-or-later
// Splitting `-e/--ssh-cmd` into words the way upstream does (Python's shlex.split, POSIX mode).
#pragma once

#include <string>
#include <vector>

namespace sshuttle::transport {

/// Splits text into words: whitespace separates, '...' is literal, "..." honours \" and \\, a backslash
/// outside quotes escapes any character; no comments. Throws TransportError on an unterminated quote.
std::vector<std::string> shlex_split(const std::string& text);

}  // namespace sshuttle::transport
