// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/hosts_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/untrusted_text.hpp"
#include "net/host_name.hpp"

namespace sshuttle::fwmgr {
namespace {

// One session's bound: a misbehaving server must not grow the client's /etc/hosts without limit.
constexpr std::size_t kMaxEntries = 10000;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " '" + path + "': " + strerror(errno));
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

/// The file a symlinked hosts file points to: renaming over the link would replace the link itself.
std::string resolved(const std::string& path) {
    char buffer[PATH_MAX];
    return realpath(path.c_str(), buffer) ? std::string(buffer) : path;
}

void write_all_to(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot write", path);
        done += static_cast<std::size_t>(n);
    }
}

std::string read_text(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        fail("cannot read", path);
    }
    std::string text;
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            fail("cannot read", path);
        }
        text.append(chunk, static_cast<std::size_t>(n));
    }
    close(fd);
    return text;
}

void rewrite_in_place(const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail("cannot open", path);
    try {
        write_all_to(fd, text, path);
    } catch (...) {
        close(fd);
        throw;
    }
    fsync(fd);
    close(fd);
}

/// An exclusive flock() on a directory for as long as it lives.
class DirectoryLock {
   public:
    explicit DirectoryLock(const std::string& dir) : fd_(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (fd_ < 0) fail("cannot open directory", dir);
        while (flock(fd_, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(fd_);
            errno = saved;
            fail("cannot lock directory", dir);
        }
    }
    ~DirectoryLock() { close(fd_); }  // closing releases the lock
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

   private:
    int fd_;
};

std::string lower_case(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// Every name (lower case) that a line of text not tagged `tag` gives an address for.
std::set<std::string> names_outside_tag(std::string_view text, const std::string& tag) {
    std::set<std::string> names;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        if (line.find(tag) != std::string::npos) continue;
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string word;
        if (!(words >> word)) continue;  // the address
        while (words >> word) names.insert(lower_case(word));
    }
    return names;
}

}  // namespace

std::string hosts_tag(uint16_t port) { return "# sshuttle-firewall-" + std::to_string(port) + " AUTOCREATED"; }

std::string merge_hosts_text(std::string_view current, const std::string& tag,
                             const std::map<std::string, std::string>& entries) {
    std::string out;
    std::istringstream lines{std::string(current)};
    for (std::string line; std::getline(lines, line);) {
        std::string_view trimmed = line;
        while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t' || trimmed.back() == '\r'))
            trimmed.remove_suffix(1);
        if (trimmed.ends_with(tag)) continue;  // ours (the port makes the tag unique per running instance)
        out += line;
        out += '\n';
    }
    for (const auto& [name, ip] : entries) {
        std::string left = ip + " " + name;
        if (left.size() < 30) left.resize(30, ' ');  // upstream's '%-30s %s'
        out += left + " " + tag + "\n";
    }
    return out;
}

bool is_safe_host_name(std::string_view name) {
    return net::is_valid_host_name(name) && !net::is_localhost_name(name);
}

void replace_file_contents(const std::string& given_path, const std::string& text) {
    const std::string path = resolved(given_path);
    struct stat old {};
    const bool existed = stat(path.c_str(), &old) == 0;
    if (!existed && errno != ENOENT) fail("cannot stat", path);
    std::string temp = directory_of(path) + "/.sshuttle-hosts-XXXXXX";
    int fd = mkstemp(temp.data());  // O_EXCL in a directory only root may write: no link games
    if (fd < 0) fail("cannot create a temp file next to", path);
    try {
        write_all_to(fd, text, temp);
        const mode_t mode = existed ? (old.st_mode & 07777) : 0644;
        if (existed && fchown(fd, old.st_uid, old.st_gid) != 0) fail("cannot chown", temp);
        if (fchmod(fd, mode) != 0) fail("cannot chmod", temp);
        if (fsync(fd) != 0) fail("cannot sync", temp);
    } catch (...) {
        close(fd);
        unlink(temp.c_str());
        throw;
    }
    close(fd);
    if (rename(temp.c_str(), path.c_str()) == 0) return;
    const int rename_errno = errno;
    unlink(temp.c_str());
    if (rename_errno != EBUSY && rename_errno != EXDEV) {
        errno = rename_errno;
        fail("cannot replace", path);
    }
    // The file is a mount point of its own (docker's /etc/hosts): in place is the only way to change it.
    spdlog::debug("cannot rename over '{}' ({}): rewriting it in place", path, strerror(rename_errno));
    rewrite_in_place(path, text);
}

HostsFile::~HostsFile() {
    if (written_) remove_all();
}

void HostsFile::set(const HostEntry& host) {
    auto refused = add(std::vector<HostEntry>{host});
    if (!refused.empty()) throw std::invalid_argument(refused.front());
}

std::vector<std::string> HostsFile::add(const std::vector<HostEntry>& hosts) {
    std::vector<std::string> refused;
    bool changed = false;
    for (const auto& host : hosts) {
        if (!is_safe_host_name(host.name)) {
            refused.push_back("refusing host name '" + common::escape_untrusted(host.name, net::kShownHostBytes) + "'");
            continue;
        }
        const std::string ip = host.ip.to_string();
        auto it = entries_.find(host.name);
        if (it != entries_.end() && it->second == ip) continue;
        if (it == entries_.end() && entries_.size() >= kMaxEntries) {
            refused.push_back("too many host names (" + std::to_string(kMaxEntries) + "): ignoring '" + host.name +
                              "'");
            continue;
        }
        entries_[host.name] = ip;
        changed = true;
    }
    // One rewrite (and one fsync) for the whole batch: per name, 10,000 names took minutes.
    if (changed) {
        for (auto& why : rewrite()) refused.push_back(std::move(why));
    }
    return refused;
}

bool HostsFile::remove_all() noexcept {
    entries_.clear();
    try {
        (void)rewrite();  // with no entries nothing can be refused
        written_ = false;
        return true;
    } catch (const std::exception& e) {
        spdlog::error("removing our lines from {} failed: {}", path_, e.what());
        return false;
    }
}

std::vector<std::string> HostsFile::rewrite() {
    DirectoryLock lock(directory_of(resolved(path_)));
    const std::string current = read_text(resolved(path_));
    std::vector<std::string> refused;
    if (keep_existing_names_) {
        // Checked under the lock against the file as it is now: a name someone else's line already gives
        // (admin, package, another instance) is left to that line.
        const auto taken = names_outside_tag(current, tag_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (taken.contains(lower_case(it->first))) {
                refused.push_back("not overriding the existing hosts entry for '" + it->first + "'");
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
    }
    const std::string updated = merge_hosts_text(current, tag_, entries_);
    written_ = true;  // from here on, our lines may be in the file and must be removed at the end
    if (updated != current) replace_file_contents(path_, updated);
    return refused;
}

}  // namespace sshuttle::fwmgr
