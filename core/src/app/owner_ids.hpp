// SPDX-License-Identifier: LGPL-2.1-or-later
// --user / --group as the numeric owner the firewall rules match, shared by the real run and --dry-run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sshuttle::app {

/// The uid of --user, -1 when not given. Throws std::runtime_error "unknown user 'x'".
int64_t resolve_uid(const std::optional<std::string>& user);
/// The gid of --group, -1 when not given. Throws std::runtime_error "unknown group 'x'".
int64_t resolve_gid(const std::optional<std::string>& group);

}  // namespace sshuttle::app
