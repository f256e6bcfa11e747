// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading a file a user named (an @file of arguments, a --config, a subnet file) whole, within a bound: a
// mistaken `@/dev/zero`, a FIFO or a huge file must give one clear error, not fill memory or wait forever.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sshuttle::util {

struct FileReadError : std::runtime_error {
    FileReadError(const std::string& why, bool opened) : std::runtime_error(why), opened(opened) {}
    bool opened;  // false: it could not be opened at all (the reason is strerror's)
};

/// The whole of `path`, which must be a regular file (not a device, FIFO or directory) of at most max_bytes.
/// Throws FileReadError whose what() is only the reason ("not a regular file", "larger than N bytes", ...).
std::string read_bounded_file(const std::string& path, std::size_t max_bytes);

/// read_bounded_file for a file the user named as `what` ("config file", ...): a failure is thrown as
/// Error("cannot read <what> '<path>': <reason>") when it could not be opened, else Error("<what> '<path>': <reason>").
template <class Error>
std::string read_named_file(const std::string& path, std::size_t max_bytes, const std::string& what) {
    try {
        return read_bounded_file(path, max_bytes);
    } catch (const FileReadError& e) {
        throw Error((e.opened ? "" : "cannot read ") + what + " '" + path + "': " + e.what());
    }
}

}  // namespace sshuttle::util
