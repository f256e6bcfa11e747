// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

namespace sshuttle::app {

/// Parses the command line, runs the requested mode and returns the process exit status.
int run(int argc, char** argv);

}  // namespace sshuttle::app
