// SPDX-License-Identifier: LGPL-2.1-or-later
// Test helpers: a temporary directory removed afterwards, files written into it, and scoped environment variables.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "util/process.hpp"

namespace sshuttle::test {

class ScratchDir {
   public:
    ScratchDir() {
        char pattern[] = "/tmp/sshuttle-transport-test-XXXXXX";
        if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~ScratchDir() { util::run_command({"rm", "-rf", path_}); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

    /// Writes name (relative) with content and mode; returns its full path.
    std::string write(const std::string& name, const std::string& content, mode_t mode = 0644) const {
        std::string full = *this / name;
        for (size_t slash = full.find('/', path_.size() + 1); slash != std::string::npos;
             slash = full.find('/', slash + 1))
            mkdir(full.substr(0, slash).c_str(), 0755);
        std::ofstream(full, std::ios::binary) << content;
        chmod(full.c_str(), mode);
        return full;
    }

   private:
    std::string path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

inline bool is_executable_file(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

/// Sets (or unsets, with nullopt) an environment variable for the lifetime of the object.
class ScopedEnv {
   public:
    ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        if (value) setenv(name_.c_str(), value->c_str(), 1);
        else unsetenv(name_.c_str());
    }
    ~ScopedEnv() {
        if (old_) setenv(name_.c_str(), old_->c_str(), 1);
        else unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

   private:
    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace sshuttle::test
