// SPDX-License-Identifier: LGPL-2.1-or-later
// The command ssh runs on the remote. It needs nothing but POSIX sh and head, uname, mkdir, chmod, mv, wc, rm.
//
// Upload protocol (all before the server's sync header, so it is "junk" to an upstream-style reader):
//   remote: runs the cached helper ${XDG_CACHE_HOME:-$HOME/.cache}/sshuttle/sshuttle-server-<hash> if it is
//           executable; otherwise checks `uname -sm`, prints "SSHUTTLE-UPLOAD <hash> <size>", reads exactly
//           <size> bytes from stdin into a temporary file, checks the size, makes it executable, renames it into
//           place (atomic, so concurrent clients never run a half-written file) and runs it.
//   client: answers the UPLOAD line by writing the helper's bytes, nothing more, then waits for the header.
// Failures print "SSHUTTLE-ERROR <what> <detail>" and exit with a code of their own, so the client can say
// exactly what went wrong. "SSHUTTLE-EXEC <path>" comes just before exec, so an exec failure is recognisable.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sshuttle::transport {

inline constexpr const char* kUploadMarker = "SSHUTTLE-UPLOAD";
inline constexpr const char* kErrorMarker = "SSHUTTLE-ERROR";
inline constexpr const char* kExecMarker = "SSHUTTLE-EXEC";

/// Exit codes of the remote script (upstream uses 97..99; these stay clear of them and of 126/127/255).
inline constexpr int kExitPlatform = 90;    // uname -sm does not match the helper
inline constexpr int kExitCacheDir = 91;    // cache directory cannot be created or written
inline constexpr int kExitUpload = 92;      // fewer bytes arrived than announced
inline constexpr int kExitExecFailed = 93;  // exec returned (shells that do not exit on a failed exec)

/// What the remote script needs to know about the helper.
struct UploadSpec {
    std::string hash;              // cache key, hex
    std::size_t size = 0;          // bytes the client will send
    std::string platform_pattern;  // sh `case` pattern for `uname -sm`
};

/// The one-line POSIX sh script described above; server_args are passed to the helper.
std::string upload_script(const UploadSpec& spec, const std::vector<std::string>& server_args);

/// `cmd arg...` (--server-cmd): cmd is shell text as the user wrote it, the arguments are quoted.
std::string server_cmd_script(const std::string& cmd, const std::vector<std::string>& server_args);

/// `/bin/sh -c '<script>'`: whatever the remote login shell is, the script runs under /bin/sh (as upstream).
std::string sh_command(const std::string& script);

}  // namespace sshuttle::transport
