// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the ssh program's connection-sharing sockets live (issue 17: extra SSH channels ride the first ssh's
// connection, so there is one authentication per tunnel): a private directory of this client, removed with
// whatever is left in it when the session ends.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace sshuttle::transport {

class ControlDir {
   public:
    /// mkdtemp under $XDG_RUNTIME_DIR (when short enough for a socket path) or /tmp: mode 0700, ours alone.
    /// Throws std::runtime_error naming the directory when it cannot be made.
    ControlDir();
    ~ControlDir();
    ControlDir(const ControlDir&) = delete;
    ControlDir& operator=(const ControlDir&) = delete;

    const std::string& path() const { return path_; }

   private:
    std::string path_;
};

/// A ControlPath not used before in `dir` (one per ssh master: a master that died may leave its socket).
std::string next_control_socket(const std::string& dir);

}  // namespace sshuttle::transport
