// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/manager_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "util/process.hpp"

namespace sshuttle::fwmgr {

Elevation detect_elevation() {
    if (geteuid() == 0) return Elevation::kNone;
    bool has_sudo = !util::find_program("sudo").empty();
    bool has_doas = !util::find_program("doas").empty();
#ifdef __OpenBSD__
    if (has_doas) return Elevation::kDoas;
#endif
    if (has_sudo) return Elevation::kSudo;
    if (has_doas) return Elevation::kDoas;
    return Elevation::kNone;
}

std::string self_executable() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string("sshuttle") : path.string();
}

std::vector<std::string> manager_command(const ManagerConfig& options, const std::string& self_exe,
                                         Elevation elevation) {
    std::vector<std::string> argv;
    if (elevation == Elevation::kSudo) argv = {"sudo", "-p", "[local sudo] Password: "};
    if (elevation == Elevation::kDoas) argv = {"doas"};
    argv.insert(argv.end(), {self_exe, "--firewall", "--method", options.method});
    for (int i = 0; i < options.verbose; ++i) argv.push_back("-v");
    // Through sudo/doas the manager ignores plugin directories (only root may choose code that runs as root),
    // and the generated sudoers rule does not allow them: they are passed only when we are root already.
    if (elevation == Elevation::kNone)
        for (const auto& dir : options.plugin_dirs) argv.insert(argv.end(), {"--plugin-dir", dir});
    if (options.syslog) argv.push_back("--syslog");
    if (options.auto_hosts) argv.push_back("--auto-hosts");  // the manager writes hosts lines only with it
    // A method's own flags travel as themselves; the manager hands them to its plugin (plugin/method_options.hpp).
    // The generated sudoers rule has none of them: through it, sudo then asks for a password.
    for (const auto& [key, value] : options.method_options) argv.push_back("--" + key);
    return argv;
}

}  // namespace sshuttle::fwmgr
