// SPDX-License-Identifier: LGPL-2.1-or-later
// The fuzz input written to a private temporary file, for parsers that take a path (@file, --config).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

class FuzzInputFile {
   public:
    FuzzInputFile(const uint8_t* data, size_t size) {
        char name[] = "/tmp/sshuttle-fuzz-input.XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) __builtin_trap();
        if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) __builtin_trap();
        close(fd);
        path_ = name;
    }
    ~FuzzInputFile() { unlink(path_.c_str()); }
    FuzzInputFile(const FuzzInputFile&) = delete;
    FuzzInputFile& operator=(const FuzzInputFile&) = delete;
    const std::string& path() const { return path_; }

   private:
    std::string path_;
};
