// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/caller.hpp"

#include <pwd.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace sshuttle::fwmgr {
namespace {

constexpr uid_t kUnknownUser = 65534;  // nobody: a source we cannot read is never root

std::optional<uint32_t> number(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    uint32_t value = 0;
    const char* end = text + std::strlen(text);
    auto [stop, ec] = std::from_chars(text, end, value, 10);
    if (ec != std::errc() || stop != end) return std::nullopt;
    return value;
}

std::optional<Identity> peer_identity(int fd) {
    ucred peer{};
    socklen_t len = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || len != sizeof peer) return std::nullopt;
    return Identity{peer.uid, peer.gid};
}

std::optional<Identity> sudo_identity() {
    const char* uid_text = std::getenv("SUDO_UID");
    if (uid_text == nullptr) return std::nullopt;
    auto uid = number(uid_text);
    auto gid = number(std::getenv("SUDO_GID"));
    if (!uid) return Identity{kUnknownUser, kUnknownUser};
    return Identity{*uid, gid ? *gid : kUnknownUser};
}

std::optional<Identity> doas_identity() {
    const char* user = std::getenv("DOAS_USER");
    if (user == nullptr) return std::nullopt;
    if (const passwd* pw = getpwnam(user)) return Identity{pw->pw_uid, pw->pw_gid};
    return Identity{kUnknownUser, kUnknownUser};
}

}  // namespace

Caller decide_caller(const std::optional<Identity>& peer, const std::optional<Identity>& sudo,
                     const std::optional<Identity>& doas) {
    // The person who ran sudo/doas is the most direct answer; the socket's creator backs it up.
    const std::pair<const std::optional<Identity>*, const char*> sources[] = {
        {&sudo, "SUDO_UID"}, {&doas, "DOAS_USER"}, {&peer, "peer credentials"}};
    for (const auto& [source, how] : sources) {
        if (*source && (*source)->uid != 0) return Caller{false, (*source)->uid, (*source)->gid, how};
    }
    return Caller{true, 0, 0, "root"};
}

Caller identify_caller(int client_fd) {
    return decide_caller(peer_identity(client_fd), sudo_identity(), doas_identity());
}

}  // namespace sshuttle::fwmgr
