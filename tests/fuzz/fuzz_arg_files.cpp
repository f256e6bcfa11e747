// SPDX-License-Identifier: LGPL-2.1-or-later
// An @file argument file (and SSHUTTLE_ARGS splitting of the same bytes). A line may name further files.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/arg_sources.hpp"
#include "cli/usage_error.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const FuzzInputFile file(data, size);
    try {
        (void)sshuttle::cli::expand_at_files({"-v", "@" + file.path()});
    } catch (const sshuttle::cli::UsageError&) {
    }
    try {
        (void)sshuttle::cli::split_shell_words(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const sshuttle::cli::UsageError&) {
    }
    return 0;
}
