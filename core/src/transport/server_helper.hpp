// SPDX-License-Identifier: LGPL-2.1-or-later
// The statically linked server helper that the client uploads: where it is, its bytes, its cache key, and the
// platform it runs on.
#pragma once

#include <cstddef>
#include <string>

namespace sshuttle::transport {

struct ServerHelper {
    std::string path;
    std::string content;  // the whole binary (a few MiB), sent once per remote host and version
    std::string hash;     // hex content hash: the remote cache key
};

/// $SSHUTTLE_SERVER_HELPER, else build::kBuildServerHelper if it exists, else build::kInstallServerHelper.
std::string server_helper_path();

/// Reads the helper at path and hashes it. Throws TransportError naming the path when it cannot be read.
ServerHelper load_server_helper(const std::string& path);

/// Hex content hash used as the cache key (SHA-1 from Boost.Uuid's header-only implementation: a cache key, not
/// a security measure; anyone who can write the remote cache can replace the server anyway).
std::string content_hash(const std::string& data);

/// The platform the helper was built for, as `uname -sm` prints it (e.g. "Linux x86_64"). It is built by the
/// same compiler as this program, so the compiler's target macros decide.
std::string helper_platform();

/// A /bin/sh `case` pattern that matches every `uname -sm` output the helper runs on (e.g. "Linux x86_64").
std::string helper_platform_pattern();

}  // namespace sshuttle::transport
