// SPDX-License-Identifier: LGPL-2.1-or-later
// Host names that come from elsewhere (the server's HOST_LIST, the client's HOST lines to the root manager)
// and end up in /etc/hosts. Strict on purpose: a name is only ever a DNS-style name, never text that could
// change the meaning of a hosts-file line or of a terminal that shows a log line.
#pragma once

#include <cstddef>
#include <string_view>

namespace sshuttle::net {

/// Longest host name accepted (RFC 1035's 253 characters of text).
inline constexpr std::size_t kMaxHostNameBytes = 253;

/// Dot-separated labels of 1..63 letters, digits, '-' or '_' (no label starting or ending with '-'), at most
/// kMaxHostNameBytes in all, no leading, trailing or double dot, not all digits and dots (that is an address).
bool is_valid_host_name(std::string_view name);

/// localhost, localhost.<anything> or <anything>.localhost, in any letter case (the resolver ignores case,
/// so "LocalHost" would redirect localhost just as well).
bool is_localhost_name(std::string_view name);

/// How much of a refused host name or host line a log or error message shows, escaped with
/// common::escape_untrusted: enough to recognise it, while a hostile peer cannot flood our log with it.
inline constexpr std::size_t kShownHostBytes = 80;

}  // namespace sshuttle::net
