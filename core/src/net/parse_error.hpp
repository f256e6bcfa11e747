// SPDX-License-Identifier: LGPL-2.1-or-later
// The one exception type of the net parsers: a one-line message naming the bad value, e.g.
// `invalid subnet '10.0.0.0/33': prefix 33 > 32`. Used at startup only (command line, config, files).
#pragma once

#include <stdexcept>
#include <string>

namespace sshuttle::net {

/// A subnet, address or port that cannot be parsed or resolved.
class ParseError : public std::runtime_error {
public:
    explicit ParseError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sshuttle::net
