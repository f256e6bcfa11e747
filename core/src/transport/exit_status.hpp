// SPDX-License-Identifier: LGPL-2.1-or-later
// Supervising a started server process and explaining how it ended.
#pragma once

#include <sys/types.h>

#include <string>

namespace sshuttle::transport {

/// True while pid runs. Once it has exited, reaps it, stores its exit code (or 128+signal) in *exit_status
/// when given, and returns false. Safe to call repeatedly until it returns false.
bool server_alive(pid_t pid, int* exit_status = nullptr);

/// What an exit code of ssh / the server means, in upstream's terms (97, 98, 99, 127, 255) and ours.
std::string describe_exit(int exit_status);

}  // namespace sshuttle::transport
