// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sshuttle::test {

void check_golden(const std::string& name, const std::string& actual) {
    const std::filesystem::path path = std::filesystem::path(SSHUTTLE_TEST_SOURCE_DIR) / "golden" / (name + ".txt");
    const char* update = std::getenv("SSHUTTLE_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << actual;
        MESSAGE("rewrote " << path.string());
        return;
    }
    std::ifstream in(path, std::ios::binary);
    INFO("golden file: " << path.string());
    REQUIRE_MESSAGE(in.good(), "missing golden file (run with SSHUTTLE_UPDATE_GOLDEN=1)");
    std::ostringstream expected;
    expected << in.rdbuf();
    CHECK(actual == expected.str());
}

}  // namespace sshuttle::test
