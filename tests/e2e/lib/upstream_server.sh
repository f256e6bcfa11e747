#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Upstream sshuttle's Python server (Debian package python3-sshuttle) speaking the mux on stdin/stdout, for
# --server-cmd. Same arguments as upstream's stage-2 assembler passes: latency control on, 32 KiB buffer,
# no auto-hosts, no --to-ns, no auto-nets.
exec /usr/bin/python3 -c '
import sshuttle.helpers as helpers
helpers.verbose = 1
from sshuttle.server import main
main(True, 32768, False, None, False)'
