// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/sudoers.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <cstdlib>
#include <functional>
#include <string_view>

namespace sshuttle::app {
namespace {

constexpr int kMaxVerbosity = 3;
constexpr std::size_t kMaxUserNameBytes = 64;

/// sudoers needs these characters escaped in command arguments.
std::string sudoers_escape(const std::string& word) {
    std::string out;
    for (char c : word) {
        if (c == ',' || c == ':' || c == '=' || c == '\\' || c == ' ') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

std::string why_not_root_only(const std::string& path) {
    std::filesystem::path p = std::filesystem::absolute(path);
    for (bool is_file = true;; is_file = false) {
        struct stat st {};
        if (lstat(p.c_str(), &st) != 0) return "cannot stat " + p.string();
        const bool sticky_dir = !is_file && (st.st_mode & S_ISVTX) != 0;
        if (st.st_uid != 0) return p.string() + " is not owned by root";
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky_dir)
            return p.string() + " is writable by users other than root";
        if (!p.has_parent_path() || p.parent_path() == p) return {};
        p = p.parent_path();
    }
}

std::string why_bad_sudoers_user(const std::string& who) {
    // A user name, or %group: POSIX's portable name characters. Anything else (a newline above all) would
    // let the text after it become a sudoers rule of its own.
    std::string_view name = who;
    if (name.starts_with('%')) name.remove_prefix(1);
    bool ok = !name.empty() && name.size() <= kMaxUserNameBytes && name.front() != '-';
    for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.');
    if (ok) return {};
    std::string shown;
    for (char c : who) shown += (c >= 0x20 && c <= 0x7e) ? std::string(1, c) : std::string("?");
    return "invalid --sudoers-user '" + shown + "': expected a user name or %group (letters, digits, '_', '-', '.')";
}

std::string default_sudoers_user() {
    if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user != nullptr && *sudo_user != '\0') return sudo_user;
    if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
    return "root";
}

std::string sudoers_fragment(const std::string& who, const std::string& self_exe,
                             const std::vector<std::string>& methods) {
    // A per-binary alias name, so fragments for two installations can coexist.
    const std::string alias = "SSHUTTLE_" + std::to_string(std::hash<std::string>{}(self_exe) % 1000000);
    std::string commands;
    for (const auto& method : methods) {
        for (int verbose = 0; verbose <= kMaxVerbosity; ++verbose) {
            for (bool syslog : {false, true}) {
                for (bool auto_hosts : {false, true}) {
                    std::string line = sudoers_escape(self_exe) + " --firewall --method " + sudoers_escape(method);
                    for (int i = 0; i < verbose; ++i) line += " -v";
                    if (syslog) line += " --syslog";
                    if (auto_hosts) line += " --auto-hosts";
                    commands += (commands.empty() ? "    " : ",\\\n    ") + line;
                }
            }
        }
    }
    std::string out;
    out += "# sshuttle: lets " + who + " run the sshuttle firewall manager as root without a password.\n";
    out += "# Only the exact command lines below are allowed (no --plugin-dir: that would load code as root).\n";
    out += "# Install: sshuttle --sudoers-no-modify | sudo tee /etc/sudoers.d/sshuttle; sudo chmod 0440 "
           "/etc/sudoers.d/sshuttle; sudo visudo -c\n";
    out += "Cmnd_Alias " + alias + " = \\\n" + commands + "\n";
    out += who + " ALL=(root) NOPASSWD: " + alias + "\n";
    return out;
}

}  // namespace sshuttle::app
