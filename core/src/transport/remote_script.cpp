// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/remote_script.hpp"

#include "transport/server_args.hpp"
#include "util/process.hpp"
#include "util/shell_words.hpp"

namespace sshuttle::transport {

// The script is one line: some login shells (csh) reject newlines inside quotes. It avoids '!' (csh history).
// Diagnostics of mkdir/chmod/mv go to stdout (2>&1) so the client sees them among the lines before the header.
std::string upload_script(const UploadSpec& spec, const std::vector<std::string>& server_args) {
    const std::string size = std::to_string(spec.size);
    const std::string fail_dir = "{ echo \"" + std::string(kErrorMarker) + " cachedir $d\"; exit " +
                                 std::to_string(kExitCacheDir) + "; }";
    std::string s;
    s += "d=\"${XDG_CACHE_HOME:-$HOME/.cache}/sshuttle\"; f=\"$d/sshuttle-server-" + spec.hash + "\"; ";
    s += "if [ -x \"$f\" ]; then :; else ";
    s += "p=\"$(uname -sm 2>&1)\"; ";
    s += "case \"$p\" in " + spec.platform_pattern + ") ;; *) echo \"" + kErrorMarker + " platform $p\"; exit " +
         std::to_string(kExitPlatform) + ";; esac; ";
    s += "mkdir -p \"$d\" 2>&1 || " + fail_dir + "; ";
    s += "t=\"$d/.sshuttle-server-" + spec.hash + ".$$\"; ";
    s += "{ true > \"$t\"; } 2>&1 || " + fail_dir + "; ";
    s += "echo \"" + std::string(kUploadMarker) + " " + spec.hash + " " + size + "\"; ";
    s += "head -c " + size + " > \"$t\"; ";
    // Unquoted on purpose: word splitting drops the padding some wc print; an empty or odd value fails the test.
    s += "n=$(wc -c < \"$t\"); ";
    s += "if [ $n = " + size + " ]; then :; else rm -f \"$t\"; echo \"" + kErrorMarker + " upload $n\"; exit " +
         std::to_string(kExitUpload) + "; fi; ";
    s += "{ chmod 700 \"$t\" && mv -f \"$t\" \"$f\"; } 2>&1 || { rm -f \"$t\"; echo \"" + std::string(kErrorMarker) +
         " cachedir $d\"; exit " + std::to_string(kExitCacheDir) + "; }; ";
    s += "fi; ";
    s += "echo \"" + std::string(kExecMarker) + " $f\"; ";
    s += "exec \"$f\" " + util::join_shell_words(server_args) + "; ";
    s += "echo \"" + std::string(kErrorMarker) + " exec $f\"; exit " + std::to_string(kExitExecFailed);
    return s;
}

std::string server_cmd_script(const std::string& cmd, const std::vector<std::string>& server_args) {
    return cmd + " " + util::join_shell_words(server_args);
}

std::string sh_command(const std::string& script) { return "/bin/sh -c " + util::shell_quote(script); }

}  // namespace sshuttle::transport
