// SPDX-License-Identifier: LGPL-2.1-or-later
// `sshuttle --version`: what this program is, the plugin ABI it speaks, the OpenSSL and (through the ssh
// transport plugin's description) libssh2 it runs with, and where its plugins and server helper are.
#pragma once

#include <string>

#include "cli/options.hpp"

namespace sshuttle::app {

/// The whole report; its first line is "sshuttle-cpp <version>".
std::string version_report(const cli::Options& options);

}  // namespace sshuttle::app
