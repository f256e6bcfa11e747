// SPDX-License-Identifier: LGPL-2.1-or-later
// The Python fallback server (sshuttle_server.py next to this file), embedded into the client at build time. The
// client sends it to remotes where the native server helper cannot run (another architecture or OS).
#pragma once

#include <string_view>

namespace sshuttle::server_py {

/// The whole source of sshuttle_server.py (ASCII only, so its size in bytes is its size in characters).
std::string_view python_server_source();

/// Hex SHA-1 of python_server_source(): names this version of the source in the upload request.
std::string_view python_server_hash();

}  // namespace sshuttle::server_py
