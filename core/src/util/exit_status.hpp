// SPDX-License-Identifier: LGPL-2.1-or-later
// Every exit status sshuttle gives, and those of the remote bootstrap script it reads back, in one place: the
// client, the daemon parent and the launch code must agree on what each number means.
#pragma once

namespace sshuttle::util {

// The client's own exit statuses (upstream's numbers, so scripts written for upstream keep working).
inline constexpr int kExitUsage = 2;          // a command line or configuration error
inline constexpr int kExitDaemonRunning = 5;  // -D: the pidfile names a running process
inline constexpr int kExitFatal = 99;         // upstream's status for Fatal: start-up or the session failed

// The remote bootstrap script's (transport/remote_script): upstream uses 97..99; ours stay clear of them and of
// the shell's 126/127 and ssh's 255.
inline constexpr int kExitPlatform = 90;    // uname -sm does not match the helper
inline constexpr int kExitCacheDir = 91;    // cache directory cannot be created or written
inline constexpr int kExitUpload = 92;      // fewer bytes arrived than announced
inline constexpr int kExitExecFailed = 93;  // exec returned (shells that do not exit on a failed exec)
inline constexpr int kExitNoPython = 97;    // no usable Python for the fallback server (as upstream)
inline constexpr int kExitBootstrapReturned = 98;  // upstream: the bootstrap returned without running the server

// What the shell and ssh report.
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitSshFailed = 255;

}  // namespace sshuttle::util
