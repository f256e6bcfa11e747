// SPDX-License-Identifier: LGPL-2.1-or-later
// --auto-hosts on the client: the root manager keeps the names the server found in /etc/hosts, as lines tagged
// with this instance's port (upstream's format, `<ip> <name>  # sshuttle-firewall-<port> AUTOCREATED`), and
// removes exactly those lines again when the session ends.
//
// Every change rewrites the whole file under an exclusive flock() on its directory (the directory survives the
// rename, the file's inode does not), so that several sshuttle instances edit it one at a time: each drops only
// lines with its own tag and keeps everybody else's. The new contents go to a temp file in the same directory,
// get the old file's owner and mode, and are renamed over it, so a reader sees the old or the new file, never
// half of one. Where the file is itself a mount point (docker bind-mounts /etc/hosts) rename() fails with EBUSY;
// then the file is rewritten in place.
//
// The path is fixed in production (kSystemHostsPath, chosen by the manager's caller, never by an option): the
// manager runs as root through sudo, and a path from the command line would let any user who may run it
// rewrite any file. Tests pass their own path, or run the manager in a private mount namespace.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fwmgr/line_protocol.hpp"

namespace sshuttle::fwmgr {

inline constexpr const char* kSystemHostsPath = "/etc/hosts";

/// This instance's tag comment: "# sshuttle-firewall-<port> AUTOCREATED".
std::string hosts_tag(uint16_t port);

/// current without the lines tagged `tag`, then one tagged line per entry (name -> address text), sorted.
std::string merge_hosts_text(std::string_view current, const std::string& tag,
                             const std::map<std::string, std::string>& entries);

/// True for a name that may go into /etc/hosts: net::is_valid_host_name, and not localhost in any letter case
/// (a server must not redirect it).
bool is_safe_host_name(std::string_view name);

/// Replaces path's contents atomically (temp file + rename, owner and mode kept), or in place when the file
/// is a mount point. Throws std::runtime_error naming the path.
void replace_file_contents(const std::string& path, const std::string& text);

/// One instance's entries in one hosts file.
class HostsFile {
   public:
    HostsFile(std::string path, uint16_t port) : path_(std::move(path)), tag_(hosts_tag(port)) {}
    ~HostsFile();
    HostsFile(const HostsFile&) = delete;
    HostsFile& operator=(const HostsFile&) = delete;

    /// Adds or changes one entry and rewrites the file (nothing is written when it is already there).
    /// Throws std::invalid_argument for a refused name, std::runtime_error when the file cannot be written.
    void set(const HostEntry& host);

    /// Adds or changes a batch of entries with one rewrite of the file. Returns one line per refused entry
    /// (unsafe name, over the limit, an existing entry kept); throws std::runtime_error when the file cannot
    /// be written.
    std::vector<std::string> add(const std::vector<HostEntry>& hosts);

    /// For a caller who is not root: a name that a line not ours already gives is never added (so an entry
    /// the administrator or another instance wrote cannot be shadowed or duplicated).
    void keep_existing_names(bool keep) { keep_existing_names_ = keep; }

    /// Removes every line with our tag (also ones a crashed earlier instance on our port left behind).
    /// Returns false (after logging) when that failed. Called by the destructor when anything was written.
    bool remove_all() noexcept;

    const std::map<std::string, std::string>& entries() const { return entries_; }

   private:
    std::vector<std::string> rewrite();

    std::string path_;
    std::string tag_;
    std::map<std::string, std::string> entries_;  // name -> address text
    bool written_ = false;
    bool keep_existing_names_ = false;
};

}  // namespace sshuttle::fwmgr
