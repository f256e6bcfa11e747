// SPDX-License-Identifier: LGPL-2.1-or-later
// The command-line arguments that tell a server what the client wants (the helper's and upstream's --server).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transport/launch_config.hpp"

namespace sshuttle::transport {

/// `--server [-v...] [--no-latency-control] [--latency-buffer-size N] [--to-ns ip@port] [--auto-nets]
/// [--mark N]`; --mark only when bypass_mark is non-zero (local mode).
std::vector<std::string> server_arguments(const LaunchConfig& options, uint32_t bypass_mark);

}  // namespace sshuttle::transport
