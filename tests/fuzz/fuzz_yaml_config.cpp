// SPDX-License-Identifier: LGPL-2.1-or-later
// A --config YAML file, with and without a profile.
#include <cstddef>
#include <cstdint>

#include "cli/usage_error.hpp"
#include "cli/yaml_config.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const FuzzInputFile file(data, size);
    for (const char* profile : {"", "office"}) {
        try {
            (void)sshuttle::cli::load_config_tokens(file.path(), profile);
        } catch (const sshuttle::cli::UsageError&) {
        }
    }
    return 0;
}
