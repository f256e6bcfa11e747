// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>

#include "cli/options.hpp"

namespace sshuttle::cli {

/// `[user[:password]@]host[:port]` as upstream's parse_hostport reads it: the user part ends at the last '@'
/// (so it may contain '@'), the password starts after the user's first ':' (so it may contain ':'), and
/// an IPv6 host is either bare (`2001:db8::1`, no port) or bracketed (`[2001:db8::1]:22`).
/// Throws UsageError (`invalid remote 'x': ...`).
Remote parse_remote(const std::string& text);

}  // namespace sshuttle::cli
