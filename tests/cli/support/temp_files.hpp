// SPDX-License-Identifier: LGPL-2.1-or-later
// A temporary directory with helpers to write small files into it; removed at scope exit.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sshuttle::test {

class TempFiles {
public:
    TempFiles() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sshuttle-cli-test-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir_ = pattern;
    }
    ~TempFiles() { std::filesystem::remove_all(dir_); }
    TempFiles(const TempFiles&) = delete;
    TempFiles& operator=(const TempFiles&) = delete;

    /// Writes content to dir/name and returns the full path.
    std::string write(const std::string& name, const std::string& content) const {
        const std::string path = (dir_ / name).string();
        std::ofstream(path) << content;
        return path;
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

}  // namespace sshuttle::test
