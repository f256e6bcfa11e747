// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/owner_ids.hpp"

#include <grp.h>
#include <pwd.h>

#include <stdexcept>

namespace sshuttle::app {

int64_t resolve_uid(const std::optional<std::string>& user) {
    if (!user) return -1;
    if (const passwd* pw = getpwnam(user->c_str())) return pw->pw_uid;
    throw std::runtime_error("unknown user '" + *user + "'");
}

int64_t resolve_gid(const std::optional<std::string>& group) {
    if (!group) return -1;
    if (const struct group* gr = getgrnam(group->c_str())) return gr->gr_gid;
    throw std::runtime_error("unknown group '" + *group + "'");
}

}  // namespace sshuttle::app
