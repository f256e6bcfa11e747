// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/text_limit.hpp"

#include <string>

#include "common/untrusted_text.hpp"
#include "net/parse_error.hpp"

namespace sshuttle::net {

void check_address_length(std::string_view text, std::string_view what) {
    if (text.size() <= kMaxAddressText) return;
    throw ParseError("invalid " + std::string(what) + " '" + common::escape_untrusted(text, 40) + "': " +
                     std::to_string(text.size()) + " bytes long, at most " + std::to_string(kMaxAddressText));
}

}  // namespace sshuttle::net
