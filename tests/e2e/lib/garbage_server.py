# SPDX-License-Identifier: LGPL-2.1-or-later
"""A hostile sshuttle server for --server-cmd: a valid start, then garbage.

It writes some shell noise, the sync header and an empty CMD_ROUTES frame (so the client installs its rules),
waits until GO_FILE exists (the test creates it once it has seen the rules), then writes frames with a bad magic
and random bytes. It keeps reading stdin until EOF, so the client cannot mistake the garbage for a closed peer.
Usage: garbage_server.py GO_FILE
"""
import os
import struct
import sys
import time

CMD_ROUTES = 0x4207
CMD_TCP_DATA = 0x4206


def frame(channel, cmd, payload, magic=b"SS"):
    return magic + struct.pack("!HHH", channel, cmd, len(payload)) + payload


def main(go_file):
    out = sys.stdout.buffer
    out.write(b"motd noise before the header\n\0\0SSHUTTLE0001" + frame(0, CMD_ROUTES, b""))
    out.flush()
    # Polling a file is the simplest signal that crosses ssh; the bound only protects against a hang.
    deadline = time.monotonic() + 120
    while not os.path.exists(go_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    out.write(frame(7, CMD_TCP_DATA, b"no such channel"))
    out.write(frame(0, 0x4299, b"unknown command"))
    out.write(b"XY" + os.urandom(4096))
    out.write(frame(0, CMD_ROUTES, b"not,a,route\n", magic=b"ZZ"))
    out.flush()
    while os.read(0, 65536):
        pass


if __name__ == "__main__":
    main(sys.argv[1])
