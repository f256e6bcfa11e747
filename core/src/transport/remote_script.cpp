// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/remote_script.hpp"

#include <cstdlib>
#include <string_view>

#include "common/shell_quote.hpp"
#include "transport/server_args.hpp"

namespace sshuttle::transport {
namespace {

// The name of the sh function that starts the Python server; its argument is why (for the messages).
constexpr const char* kPythonFunction = "sshuttle_py";

// Sets P to the interpreter, or explains and exits when there is none. `reason` is sh text (may use $1).
std::string choose_python(const PythonSpec& python, const std::string& reason) {
    const std::string no_python = std::string("echo \"") + kErrorMarker + " python " + reason + "\"; exit " +
                                  std::to_string(kExitNoPython) + ";";
    if (!python.interpreter.empty()) {
        return "P=" + common::shell_quote(python.interpreter) + "; " +
               "if command -v \"$P\" >/dev/null 2>&1; then :; else echo \"python interpreter '$P' not found on the "
               "remote\"; " + no_python + " fi; ";
    }
    // Version 3.6 or later: the server uses f-string-free 3.6 syntax but needs selectors and os.set_blocking.
    // A Python 2 "python" fails the check and is skipped, rather than dying with a SyntaxError later.
    return "P=; for c in python3 python; do "
           "if \"$c\" -c 'import sys; sys.exit(sys.version_info < (3, 6))' </dev/null >/dev/null 2>&1; then "
           "P=\"$c\"; break; fi; done; "
           "if [ -z \"$P\" ]; then echo \"no python3 or python (3.6 or later) on the remote for the Python server "
           "(" + reason + ")\"; " + no_python + " fi; ";
}

// Announces the upload and execs the interpreter on the source the client sends in answer.
std::string exec_python(const PythonSpec& python, const std::vector<std::string>& server_args) {
    return std::string("echo \"") + kUploadPythonMarker + " " + python.hash + " " + std::to_string(python.size) +
           "\"; exec \"$P\" -c " + common::shell_quote(python_stage1(python.size)) + " " +
           common::join_shell_words(server_args) + "; ";
}

// `sshuttle_py REASON`: the fallback, defined once and called wherever the helper turns out not to run.
std::string python_function(const PythonSpec& python, const std::vector<std::string>& server_args) {
    return std::string(kPythonFunction) + "() { echo \"" + kFallbackMarker + " $1\"; " + choose_python(python, "$1") +
           exec_python(python, server_args) + "}; ";
}

// What the script does where the helper cannot be used: the fallback, or the error line and exit code.
std::string cannot_use_helper(const UploadSpec& spec, const std::string& reason, int exit_code) {
    if (spec.python) return std::string(kPythonFunction) + " \"" + reason + "\"";
    return std::string("echo \"") + kErrorMarker + " " + reason + "\"; exit " + std::to_string(exit_code);
}

}  // namespace

std::string python_stage1(std::size_t size) {
    // exit 98 as upstream if exec() ever returns (the server exits through sys.exit itself).
    return "import sys; exec(compile(sys.stdin.buffer.read(" + std::to_string(size) +
           "), 'sshuttle_server.py', 'exec')); sys.exit(98)";
}

// The script is one line: some login shells (csh) reject newlines inside quotes. It avoids '!' (csh history).
// Diagnostics of mkdir/chmod/mv go to stdout (2>&1) so the client sees them among the lines before the header.
std::string upload_script(const UploadSpec& spec, const std::vector<std::string>& server_args) {
    const std::string size = std::to_string(spec.size);
    const char* override_pattern = std::getenv(kPlatformOverrideEnv);
    const bool forced_platform = override_pattern && *override_pattern;
    const std::string pattern = forced_platform ? override_pattern : spec.platform_pattern;
    const auto error_exit = [](const std::string& what, int code) {
        return "{ echo \"" + std::string(kErrorMarker) + " " + what + "\"; exit " + std::to_string(code) + "; }";
    };
    const std::string fail_dir = error_exit("cachedir $d", kExitCacheDir);
    std::string s;
    s += "d=\"${XDG_CACHE_HOME:-$HOME/.cache}/sshuttle\"; h=" + spec.hash + "; f=\"$d/sshuttle-server-$h\"; ";
    s += "m=\"$f.noexec\"; e=; ";
    // The first SHA-256 program there is; without one the cache cannot be checked, so it is not used (below).
    s += "k=; for c in sha256sum shasum openssl; do if command -v \"$c\" >/dev/null 2>&1; then k=\"$c\"; break; fi; "
         "done; ";
    s += "sshuttle_sum() { case \"$k\" in sha256sum) sha256sum \"$1\" ;; shasum) shasum -a 256 \"$1\" ;; "
         "openssl) openssl dgst -sha256 -r \"$1\" ;; esac 2>/dev/null | { read -r v r; echo \"$v\"; }; }; ";
    if (spec.python) s += python_function(*spec.python, server_args);
    // The cache must be this user's private directory: nobody else may swap the file between check and exec.
    s += "mkdir -p \"$d\" 2>&1 || " + fail_dir + "; chmod 700 \"$d\" 2>/dev/null; ";
    s += "if [ -O \"$d\" ] && [ -z \"$(find \"$d\" -prune \\( -perm -020 -o -perm -002 \\) -print 2>&1)\" ]; then :; else " +
         error_exit("private $d", kExitCacheDir) + "; fi; ";
    // A cached copy runs only when its SHA-256 is the helper's; a forced platform (test hook) is always checked.
    s += forced_platform ? "if false; then :; else "
                         : "if [ -n \"$k\" ] && [ -x \"$f\" ] && [ \"$(sshuttle_sum \"$f\")\" = \"$h\" ]; then :; else ";
    if (spec.python) {
        // A helper that did not start here skips the next starts (the count in the marker), then is tried again:
        // one failure (a full disk, a mount that has changed since) must not mean Python for ever.
        s += "n=$(cat \"$m\" 2>/dev/null); case \"$n\" in [1-9]|[1-9][0-9]) { echo $((n - 1)) > \"$m\"; } "
             "2>/dev/null; " + cannot_use_helper(spec, "noexec $m", 0) + ";; esac; rm -f \"$m\"; ";
    }
    s += "p=\"$(uname -sm 2>&1)\"; ";
    s += "case \"$p\" in " + pattern + ") ;; *) " + cannot_use_helper(spec, "platform $p", kExitPlatform) +
         ";; esac; ";
    s += "t=\"$d/.sshuttle-server-$h.$$\"; ";
    s += "{ true > \"$t\"; } 2>&1 || " + fail_dir + "; ";
    s += "echo \"" + std::string(kUploadMarker) + " $h " + size + "\"; ";
    s += "head -c " + size + " > \"$t\"; ";
    // tr drops the padding some wc print (BSD). A file that cannot be read back (removed meanwhile) counts as 0
    // bytes, quietly: an empty $n must not turn the test into a syntax error.
    s += "n=$(wc -c 2>/dev/null < \"$t\" | tr -d ' '); ";
    s += "if [ \"$n\" = " + size + " ]; then :; else rm -f \"$t\"; echo \"" + kErrorMarker +
         " upload ${n:-0}\"; exit " + std::to_string(kExitUpload) + "; fi; ";
    s += "if [ -n \"$k\" ]; then n=$(sshuttle_sum \"$t\"); if [ \"$n\" = \"$h\" ]; then :; else rm -f \"$t\"; " +
         error_exit("checksum ${n:-none}", kExitUpload) + "; fi; fi; ";
    s += "chmod 700 \"$t\" 2>&1 || { rm -f \"$t\"; " + fail_dir + "; }; ";
    // Without a SHA-256 program nothing could check a cached copy later: this fresh one runs once and goes.
    s += "if [ -n \"$k\" ]; then mv -f \"$t\" \"$f\" 2>&1 || { rm -f \"$t\"; " + fail_dir + "; }; else f=\"$t\"; e=1; fi; ";
    if (spec.python) {
        // Only a fresh upload is tried (stdin from /dev/null: the helper must not eat the client's bytes). One
        // that does not run (noexec mount, wrong libc...) is removed and remembered for the next starts.
        s += "if \"$f\" --version </dev/null >/dev/null 2>&1; then :; else rm -f \"$f\"; "
             "{ echo " + std::to_string(kNoexecSkippedStarts) + " > \"$m\"; } 2>/dev/null; " +
             cannot_use_helper(spec, "exec $f", 0) + "; fi; ";
    }
    s += "fi; ";
    s += "echo \"" + std::string(kExecMarker) + " $f\"; ";
    s += "if [ -n \"$e\" ]; then \"$f\" " + common::join_shell_words(server_args) +
         "; n=$?; rm -f \"$f\"; exit $n; fi; ";
    s += "exec \"$f\" " + common::join_shell_words(server_args) + "; ";
    s += "echo \"" + std::string(kErrorMarker) + " exec $f\"; exit " + std::to_string(kExitExecFailed);
    return s;
}

std::string python_script(const PythonSpec& python, const std::vector<std::string>& server_args) {
    return choose_python(python, "--python") + exec_python(python, server_args);
}

std::string describe_fallback(const std::string& reason) {
    const auto after = [&](std::string_view prefix) {
        return reason.rfind(prefix, 0) == 0 ? std::optional<std::string>(reason.substr(prefix.size())) : std::nullopt;
    };
    std::string why = reason;
    if (auto path = after("exec ")) {
        why = "the uploaded helper '" + *path + "' does not start there; a noexec mount?";
    } else if (auto marker = after("noexec ")) {
        why = "the helper did not start there recently; it is tried again after " +
              std::to_string(kNoexecSkippedStarts) + " starts, or at the next start once '" + *marker +
              "' is removed";
    }
    return "the native server cannot run on the remote (" + why + "): starting the Python server";
}

std::string server_cmd_script(const std::string& cmd, const std::vector<std::string>& server_args) {
    return cmd + " " + common::join_shell_words(server_args);
}

std::string sh_command(const std::string& script) { return "/bin/sh -c " + common::shell_quote(script); }

}  // namespace sshuttle::transport
