#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A server (the native helper or the Python fallback, the command is argv) speaking the mux on stdin/stdout to
# this upstream-like client: one destination accepts and never reads while the client pushes 24 MiB at it,
# another takes 20 MiB. Before, the server stopped reading its input once 8 MiB waited for the stuck socket,
# and the second upload and every PING froze. Now the stuck channel alone is reset (TCP_EOF + TCP_STOP_SENDING,
# RST at the destination), the other upload completes and both PINGs are answered.
import signal
import socket
import struct
import subprocess
import sys
import threading

HEADER = struct.Struct("!2sHHH")
PING, PONG, CONNECT, STOP, EOF, DATA = 0x4201, 0x4202, 0x4203, 0x4204, 0x4205, 0x4206
MIB = 1 << 20


def frame(channel, cmd, payload=b""):
    return HEADER.pack(b"SS", channel, cmd, len(payload)) + payload


def data_frames(channel, size):
    chunk = b"d" * 65535
    out = []
    while size > 0:
        n = min(size, len(chunk))
        out.append(frame(channel, DATA, chunk[:n]))
        size -= n
    return b"".join(out)


def listener():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited by accepted sockets
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    return sock


def main():
    # Only a guard against a hang: the checks below wait for events, not for a deadline.
    signal.alarm(180)
    stuck, sink = listener(), listener()
    accepted = []
    threading.Thread(target=lambda: accepted.append(stuck.accept()[0]), daemon=True).start()
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

    server = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out = server.stdout
    header = out.read(14)
    assert header == b"\0\0SSHUTTLE0001", header
    port1, port2 = stuck.getsockname()[1], sink.getsockname()[1]
    opening = (frame(1, CONNECT, b"2,127.0.0.1,%d" % port1) + frame(2, CONNECT, b"2,127.0.0.1,%d" % port2))
    server.stdin.write(opening)
    server.stdin.flush()

    def feed():
        server.stdin.write(data_frames(1, 24 * MIB) + frame(0, PING, b"p1") + data_frames(2, 20 * MIB) +
                           frame(0, PING, b"p2"))
        server.stdin.flush()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    seen = set()
    while not {"reset", "p1", "p2"} <= seen:
        head = out.read(8)
        assert len(head) == 8, "server ended: %r" % head
        magic, channel, cmd, size = HEADER.unpack(head)
        payload = out.read(size)
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
    print("ok: stuck channel reset alone, 20 MiB moved, PINGs answered")


if __name__ == "__main__":
    main()
