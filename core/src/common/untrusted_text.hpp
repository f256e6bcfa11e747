// SPDX-License-Identifier: LGPL-2.1-or-later
// Text another party wrote (the server's stderr and messages, host names and route lines it announces, values
// read from files) made safe to print on a terminal or write into a log: an ANSI escape could repaint the
// terminal, and an embedded newline could forge a log line of ours.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace sshuttle::common {

/// Printable ASCII is kept; a backslash becomes "\\" and every other byte (control characters, ESC, DEL, all
/// non-ASCII bytes) becomes "\xNN", so the result is one line of printable ASCII and nothing can be forged
/// with a backslash either. Text longer than max_bytes is cut there and ends in "... (N more bytes)".
std::string escape_untrusted(std::string_view text,
                             std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace sshuttle::common
