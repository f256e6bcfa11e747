// SPDX-License-Identifier: LGPL-2.1-or-later
// Flushing the local resolver's cache when DNS capture starts and stops, so that answers cached from before
// (or from the tunnel) do not outlive it. Only systemd-resolved keeps such a cache here; elsewhere a no-op.
#pragma once

namespace sshuttle::app {

/// Runs `resolvectl flush-caches` when systemd-resolved is running (its runtime directory exists and
/// resolvectl is installed). Never fails: a problem is logged at debug level.
void flush_resolver_cache();

}  // namespace sshuttle::app
