// SPDX-License-Identifier: LGPL-2.1-or-later
// The statically linked server helper that the client uploads: where it is, its bytes, its cache key, and the
// platform it runs on.
//
// The client uploads no helper but the one it was built with: its SHA-256 is compiled in (generated from the
// built helper, cmake/HelperDigest.cmake), the file is hashed before upload and refused when it differs, also
// when $SSHUTTLE_SERVER_HELPER names it. The same digest names the remote cache entry, and the remote script
// checks the cached copy against it before running it (remote_script.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sshuttle::transport {

struct ServerHelper {
    std::string path;
    std::string content;  // the whole binary (a few MiB), sent once per remote host and version
    std::string hash;     // hex SHA-256 of content: checked, and the remote cache key
};

/// The hex SHA-256 of the helper built with this client (generated at build time).
std::string_view built_helper_sha256();

/// $SSHUTTLE_SERVER_HELPER, else the first existing of util::own_server_helpers() (next to this binary, then the
/// configured prefix), else the first of those (for the error message).
std::string server_helper_path();

/// Reads the helper at path and checks that its SHA-256 is expected_sha256 (built_helper_sha256(), or a test's
/// stand-in). Throws TransportError naming the path when it cannot be read or is not that helper.
ServerHelper load_server_helper(const std::string& path, std::string_view expected_sha256);

/// Hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

/// Hex SHA-1 of data: the Python server's content key (it is sent on every start and never cached).
std::string content_hash(const std::string& data);

/// The platform the helper was built for, as `uname -sm` prints it (e.g. "Linux x86_64"). It is built by the
/// same compiler as this program, so the compiler's target macros decide.
std::string helper_platform();

/// A /bin/sh `case` pattern that matches every `uname -sm` output the helper runs on (e.g. "Linux x86_64").
std::string helper_platform_pattern();

}  // namespace sshuttle::transport
