// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>
#include <vector>

namespace sshuttle::app {

/// --sudoers-no-modify: a sudoers fragment that lets `who` (a user, or %group) start exactly the firewall
/// manager as root without a password, and nothing broader. Every allowed command line is listed in full:
/// a trailing wildcard would also allow `--plugin-dir DIR`, i.e. loading any shared object as root.
/// `methods` are the --method values to allow; verbosity -v..-vvv, --syslog and --auto-hosts (-H: the manager
/// may write /etc/hosts lines) variants are included.
std::string sudoers_fragment(const std::string& who, const std::string& self_exe,
                             const std::vector<std::string>& methods);

/// Empty when only root can change `path` (the file and every directory above it are owned by root and not
/// group- or world-writable; sticky directories such as /tmp are fine). Otherwise the reason: a NOPASSWD
/// rule for a binary that a user can replace would give that user root.
std::string why_not_root_only(const std::string& path);

/// Empty when `who` is a user name or %group that can go into a sudoers line as it is; else a one-line
/// error naming the value (non-printable characters shown as '?').
std::string why_bad_sudoers_user(const std::string& who);

/// The user to name when --sudoers-user is not given: SUDO_USER when run through sudo, else the current user.
std::string default_sudoers_user();

}  // namespace sshuttle::app
