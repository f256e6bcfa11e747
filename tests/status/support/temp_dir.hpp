// SPDX-License-Identifier: LGPL-2.1-or-later
// A fresh directory under /tmp for one test, removed with everything in it afterwards.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

class TempDir {
   public:
    TempDir() {
        char templ[] = "/tmp/sshuttle-status-test.XXXXXX";
        if (!mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

   private:
    std::string path_;
};
