// SPDX-License-Identifier: LGPL-2.1-or-later
// A sshuttle_host_v1 that really runs commands (fork/exec, stdout captured, stderr inherited), for the
// tests that apply rules inside a private network namespace.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_abi.h"

namespace sshuttle::test {

struct Ran {
    int status = -1;  // exit code, 128+signal, or -1 when it could not start
    std::string output;
};

/// Runs argv (looked up in PATH plus the sbin directories) with stdin_text (may be null).
Ran run_real(const std::vector<std::string>& argv, const std::string* stdin_text = nullptr);

/// A host table whose run() is run_real().
const sshuttle_host_v1* real_host();

}  // namespace sshuttle::test
