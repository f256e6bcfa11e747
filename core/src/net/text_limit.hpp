// SPDX-License-Identifier: LGPL-2.1-or-later
// A bound on the text of one subnet or address, checked before any pattern matching: std::regex matches by
// recursion, one level per character, so a long enough argument (~50 KB) overflowed the stack.
#pragma once

#include <cstddef>
#include <string_view>

namespace sshuttle::net {

/// Longer than any real one: a 253-byte DNS name with `*.`, `[...]`, a prefix and a port range.
inline constexpr std::size_t kMaxAddressText = 512;

/// Throws ParseError `invalid <what> '<its start>... (N more bytes)': N bytes long, at most 512` when text is
/// longer than kMaxAddressText.
void check_address_length(std::string_view text, std::string_view what);

}  // namespace sshuttle::net
