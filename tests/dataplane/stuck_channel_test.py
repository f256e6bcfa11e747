#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A server (the native helper or the Python fallback, the command is argv) speaking the mux on stdin/stdout to
# this upstream-like client: one destination stops reading while the client pushes 24 MiB at it, another takes
# 20 MiB. Before, the server stopped reading its input once 8 MiB waited for the stuck socket, and the second
# upload and every PING froze. Now the stuck channel alone is reset (TCP_EOF + TCP_STOP_SENDING, RST at the
# destination), the other upload completes and both PINGs are answered.
# Twice: a destination that never reads, and one that reads 3 MiB first (its socket took bytes after reaching
# its bound, then none). The second once held every channel until the 45 s stuck time-out in both servers, as
# their test for "stuck" was "nothing taken since the bound"; now it is "nothing taken for the grace (1 s)".
# Either way the reset must come from the receive budget, not from that time-out.
import os
import signal
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from mux_client import (EOF, MIB, PING, PONG, STOP, connect_frame, data_frames, frame,  # noqa: E402
                        read_frame, start_server)


def listener():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited by accepted sockets
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    return sock


def run(server_argv, read_first):
    stuck, sink = listener(), listener()
    accepted = []

    def stuck_destination():
        conn = stuck.accept()[0]
        taken = 0
        while taken < read_first:
            taken += len(conn.recv(1 << 16))
        accepted.append(conn)
    threading.Thread(target=stuck_destination, daemon=True).start()
    sunk = [0]
    sink_done = threading.Event()

    def drain():
        conn = sink.accept()[0]
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            sunk[0] += len(data)
            if sunk[0] >= 20 * MIB:
                sink_done.set()
    threading.Thread(target=drain, daemon=True).start()

    log = tempfile.TemporaryFile()
    server = start_server(server_argv, stderr=log)
    out = server.stdout
    server.stdin.write(connect_frame(1, stuck.getsockname()[1]) + connect_frame(2, sink.getsockname()[1]))
    server.stdin.flush()

    def feed():
        server.stdin.write(data_frames(1, 24 * MIB) + frame(0, PING, b"p1") + data_frames(2, 20 * MIB) +
                           frame(0, PING, b"p2"))
        server.stdin.flush()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    seen = set()
    while not {"reset", "p1", "p2"} <= seen:
        channel, cmd, payload = read_frame(out)
        if cmd == PONG and payload in (b"p1", b"p2"):
            seen.add(payload.decode())
        elif channel == 1 and cmd == EOF:
            seen.add("eof")
        elif channel == 1 and cmd == STOP and "eof" in seen:
            seen.add("reset")
    assert sink_done.wait(120), "the other upload stopped at %d bytes" % sunk[0]
    # The stuck destination sees a reset, not a clean end, once its buffered bytes are read.
    conn = accepted[0]
    try:
        while conn.recv(1 << 16):
            pass
        raise AssertionError("the stuck destination saw a clean end, expected a reset")
    except ConnectionResetError:
        pass
    feeder.join()
    server.stdin.close()
    server.wait()
    log.seek(0)
    text = log.read().decode(errors="replace")
    assert "resetting it" in text, "the server logged no reset:\n" + text
    assert "took no byte for" not in text, "the stuck time-out reset the channel, not the budget:\n" + text


def main():
    # Only a guard against a hang: the checks wait for events, not for a deadline.
    signal.alarm(180)
    run(sys.argv[1:], read_first=0)
    run(sys.argv[1:], read_first=3 * MIB)
    print("ok: stuck channel reset alone (never read, and read 3 MiB then stopped), 20 MiB moved, PINGs answered")


if __name__ == "__main__":
    main()
