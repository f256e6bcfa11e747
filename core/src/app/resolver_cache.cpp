// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/resolver_cache.hpp"

#include <filesystem>
#include <system_error>

#include "util/log.hpp"
#include "util/process.hpp"

namespace sshuttle::app {

void flush_resolver_cache() {
    std::error_code ignored;
    // resolved creates this directory while it runs; the stub resolv.conf alone may be a leftover.
    if (!std::filesystem::exists("/run/systemd/resolve/io.systemd.Resolve", ignored) &&
        !std::filesystem::exists("/run/systemd/resolve/stub-resolv.conf", ignored))
        return;
    if (util::find_program("resolvectl").empty()) return;
    const util::RunResult result = util::run_command({"resolvectl", "flush-caches"});
    if (result.exit_status == 0)
        spdlog::debug("flushed systemd-resolved's cache");
    else
        spdlog::debug("resolvectl flush-caches failed (status {}){}", result.exit_status,
                      result.error.empty() ? "" : ": " + result.error);
}

}  // namespace sshuttle::app
