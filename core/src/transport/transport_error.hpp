// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <stdexcept>

namespace sshuttle::transport {

/// Starting the server failed; what() is one line that names the cause and, where there is one, the fix.
class TransportError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

}  // namespace sshuttle::transport
