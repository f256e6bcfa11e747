// SPDX-License-Identifier: LGPL-2.1-or-later
// The command ssh runs on the remote. It needs nothing but POSIX sh and head, uname, mkdir, chmod, mv, wc, rm.
//
// Upload protocol (all before the server's sync header, so it is "junk" to an upstream-style reader):
//   remote: makes ${XDG_CACHE_HOME:-$HOME/.cache}/sshuttle private (mode 700, and it must be owned by the
//           user: nobody else may swap a file between its check and its exec) and runs the cached helper
//           sshuttle-server-<sha256> there only if the file's SHA-256 (sha256sum, shasum -a 256 or openssl dgst,
//           whichever exists) is <sha256>. Otherwise it checks `uname -sm`, prints
//           "SSHUTTLE-UPLOAD <sha256> <size>", reads exactly <size> bytes from stdin into a temporary file in
//           that directory, checks the size and the SHA-256, makes it executable, renames it into place (atomic,
//           so concurrent clients never run a half-written file) and runs it. Without any SHA-256 program the
//           cache cannot be checked and is not used: the upload goes to a fresh temporary file that is run once
//           (as a child, not exec'd) and removed when the server exits.
//   client: answers the UPLOAD line by writing the helper's bytes, nothing more, then waits for the header.
//           It sends only the helper whose SHA-256 it was built with (server_helper.hpp).
// Failures print "SSHUTTLE-ERROR <what> <detail>" and exit with a code of their own, so the client can say
// exactly what went wrong. "SSHUTTLE-EXEC <path>" comes just before exec, so an exec failure is recognisable.
//
// Python fallback (when UploadSpec::python is set): if `uname -sm` does not match the helper, or a freshly
// uploaded helper does not run (`<helper> --version` fails, e.g. a noexec mount; the cache then keeps a
// "<helper>.noexec" marker so that the next kNoexecSkippedStarts starts skip the upload, and the one after tries
// again: one failed start must not mean Python for ever), the script prints "SSHUTTLE-FALLBACK <why>",
// picks the interpreter (--python, else the first of python3, python that is Python >= 3.6), prints
// "SSHUTTLE-UPLOAD-PY <hash> <size>" and execs `<python> -c <stage 1> <server args>`; stage 1 reads exactly
// <size> bytes of source from stdin and runs them. The client answers the line with the embedded source.
// The source is sent on every start and never cached: it is small (tens of KB, less than the ssh handshake),
// so a remote that needs the fallback may have a read-only home, and there is no stale copy to get wrong.
// With --python the helper is not tried at all (python_script()).
// No interpreter: "SSHUTTLE-ERROR python <why>" and exit 97 (upstream's code for "no python").
//
// Test hook: SSHUTTLE_TEST_HELPER_PLATFORM, when set in the client's environment, replaces the helper's
// platform pattern in the script (e.g. "NoSuchOS*"), so that a test can force the fallback on a remote that
// could run the helper. Nothing else reads it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "util/exit_status.hpp"

namespace sshuttle::transport {

inline constexpr const char* kUploadMarker = "SSHUTTLE-UPLOAD";
inline constexpr const char* kErrorMarker = "SSHUTTLE-ERROR";
inline constexpr const char* kExecMarker = "SSHUTTLE-EXEC";
inline constexpr const char* kUploadPythonMarker = "SSHUTTLE-UPLOAD-PY";
inline constexpr const char* kFallbackMarker = "SSHUTTLE-FALLBACK";
inline constexpr const char* kPlatformOverrideEnv = "SSHUTTLE_TEST_HELPER_PLATFORM";

/// Exit codes of the remote script (util/exit_status.hpp).
using util::kExitCacheDir;
using util::kExitExecFailed;
using util::kExitNoPython;
using util::kExitPlatform;
using util::kExitUpload;

/// After a helper that did not start, this many starts use the Python fallback without trying it again.
inline constexpr int kNoexecSkippedStarts = 9;

/// What the remote script needs to know about the Python server.
struct PythonSpec {
    std::string interpreter;  // --python: used as given; empty: python3, then python (each must be >= 3.6)
    std::string hash;         // hex hash of the source, named in the upload request
    std::size_t size = 0;     // bytes of source the client will send
};

/// What the remote script needs to know about the helper.
struct UploadSpec {
    std::string hash;              // hex SHA-256 of the helper: checked on the remote, and the cache key
    std::size_t size = 0;          // bytes the client will send
    std::string platform_pattern;  // sh `case` pattern for `uname -sm`
    std::optional<PythonSpec> python = std::nullopt;  // the fallback; without it, the errors above end the script
};

/// The one-line POSIX sh script described above; server_args are passed to the helper.
std::string upload_script(const UploadSpec& spec, const std::vector<std::string>& server_args);

/// --python given: the Python server at once, without trying the helper.
std::string python_script(const PythonSpec& python, const std::vector<std::string>& server_args);

/// The `-c` program of the Python interpreter: reads exactly size bytes of source from stdin and runs it.
/// Binary stdin (sys.stdin.buffer), so the count is in bytes; its read-ahead is harmless because the client
/// writes no mux byte before the server's sync header.
std::string python_stage1(std::size_t size);

/// The client's one line for the script's "SSHUTTLE-FALLBACK <reason>" (reason without the marker).
std::string describe_fallback(const std::string& reason);

/// `cmd arg...` (--server-cmd): cmd is shell text as the user wrote it, the arguments are quoted.
std::string server_cmd_script(const std::string& cmd, const std::vector<std::string>& server_args);

/// `/bin/sh -c '<script>'`: whatever the remote login shell is, the script runs under /bin/sh (as upstream).
std::string sh_command(const std::string& script);

}  // namespace sshuttle::transport
