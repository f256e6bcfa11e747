// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sshuttle::util {

std::string read_bounded_file(const std::string& path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) throw FileReadError(std::strerror(errno), false);
    const std::string too_large = "larger than " + std::to_string(max_bytes) + " bytes";
    std::string text;
    try {
        struct stat st {};
        if (fstat(fd, &st) != 0) throw FileReadError(std::strerror(errno), true);
        if (!S_ISREG(st.st_mode)) throw FileReadError("not a regular file", true);
        if (static_cast<unsigned long long>(st.st_size) > max_bytes) throw FileReadError(too_large, true);
        char buf[65536];
        for (;;) {
            const ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw FileReadError(std::strerror(errno), true);
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > max_bytes) throw FileReadError(too_large, true);  // it grew since fstat
        }
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
    return text;
}

}  // namespace sshuttle::util
