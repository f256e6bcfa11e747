// SPDX-License-Identifier: LGPL-2.1-or-later
// The one parser of `ssh -G` output, for the core (where ssh really connects, connection sharing, ciphers) and
// the libssh2 transport plugin (everything it needs to connect). We never parse ssh_config ourselves: ssh
// resolves Host/Match blocks, includes and defaults, and we read its answer.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sshuttle::common {

/// Every value of each key, in the order printed (identityfile, certificatefile, ... repeat).
using SshGValues = std::map<std::string, std::vector<std::string>>;

/// Parses "key value" lines (ssh prints keys in lower case); the value is everything after the first space.
/// A line without a space is skipped.
SshGValues parse_ssh_g_values(const std::string& output);

}  // namespace sshuttle::common
