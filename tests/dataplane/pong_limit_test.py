#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A peer that sends PINGs and never reads cannot grow the server's queue of PONGs without bound (each server once
# queued one PONG per PING, 20 MB for this test). The server keeps reading while its output is blocked; once the
# test reads, only the PONGs of the capped queue (16 pending, plus what fit in the pipe) arrive.
# Usage: pong_limit_test.py SERVER-COMMAND...
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from mux_client import HEADER, PING, PONG, frame, start_server  # noqa: E402

PINGS = 20000
PAYLOAD = b"p" * 1000


def count_pongs(fd, seconds):
    os.set_blocking(fd, False)
    buffer, pongs, deadline = b"", 0, time.time() + seconds
    while time.time() < deadline:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            time.sleep(0.05)
            continue
        if not data:
            break
        buffer += data
        while len(buffer) >= HEADER.size:
            _, _, cmd, length = HEADER.unpack_from(buffer)
            if len(buffer) < HEADER.size + length:
                break
            pongs += cmd == PONG
            buffer = buffer[HEADER.size + length:]
    return pongs


def main():
    server = start_server(sys.argv[1:])
    fed = threading.Event()

    def feed():
        try:
            for _ in range(PINGS):
                server.stdin.write(frame(0, PING, PAYLOAD))
            server.stdin.flush()
            fed.set()
        except BrokenPipeError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    try:
        if not fed.wait(60):
            sys.exit("FAIL: the server stopped reading while its PONGs were not read (%d PINGs)" % PINGS)
        time.sleep(1)
        pongs = count_pongs(server.stdout.fileno(), 5)
    finally:
        server.kill()
    if pongs >= 1000:
        sys.exit("FAIL: %d PONGs for %d unread PINGs: the queue is not bounded" % (pongs, PINGS))
    print("ok: %d PINGs sent without reading, %d PONGs were kept" % (PINGS, pongs))


if __name__ == "__main__":
    main()
