// SPDX-License-Identifier: LGPL-2.1-or-later
// sshuttle-server: the statically linked server helper that the client uploads to remote hosts.
#include <cstdio>
#include <string>
#include <vector>

#include "build_config.hpp"
#include "server/helper_args.hpp"
#include "server/server.hpp"
#include "util/exit_status.hpp"

int main(int argc, char** argv) {
    std::string error;
    const auto args = sshuttle::server::parse_helper_args(std::vector<std::string>(argv + 1, argv + argc), error);
    if (!args) {
        std::fprintf(stderr, "sshuttle-server: %s\n", error.c_str());
        return sshuttle::util::kExitUsage;
    }
    if (args->version) {
        std::printf("sshuttle-server %s\n", sshuttle::build::kVersion);
        return 0;
    }
    return sshuttle::server::run_server(args->options);
}
