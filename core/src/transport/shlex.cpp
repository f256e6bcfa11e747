// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/shlex.hpp"

#include "transport/transport_error.hpp"
#include "util/shell_words.hpp"

namespace sshuttle::transport {

std::vector<std::string> shlex_split(const std::string& text) {
    try {
        return util::split_shell_words(text);
    } catch (const std::invalid_argument& e) {
        throw TransportError("invalid ssh command '" + text + "': " + e.what());
    }
}

}  // namespace sshuttle::transport
