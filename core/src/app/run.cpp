// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/run.hpp"

#include <cstdio>

#include "build_config.hpp"

namespace sshuttle::app {

int run(int /*argc*/, char** /*argv*/) {
    std::printf("sshuttle %s\n", build::kVersion);
    return 0;
}

}  // namespace sshuttle::app
