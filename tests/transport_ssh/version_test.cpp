// SPDX-License-Identifier: LGPL-2.1-or-later
// The module runs with the libssh2 whose headers it was built with (the library comes by RPATH or the system),
// and, when the test is told which one (SSHUTTLE_TEST_EXPECT_LIBSSH2, set by the libssh2 1.11 CI run), with that one.
#include <doctest/doctest.h>

#include <libssh2.h>

#include <cstdlib>

#include "support/transport_driver.hpp"

TEST_CASE("transport-ssh: the module reports the libssh2 it runs with, the one it was built against") {
    ssh_test::Driver d({});
    // These headers come from the same pkg-config libssh2 as the module's (tests/transport_ssh/CMakeLists.txt).
    CHECK(d.supported_reason() == "libssh2 " LIBSSH2_VERSION);
    if (const char* expected = std::getenv("SSHUTTLE_TEST_EXPECT_LIBSSH2"); expected != nullptr && *expected != '\0')
        CHECK(d.supported_reason() == std::string("libssh2 ") + expected);
}
