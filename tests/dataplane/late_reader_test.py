#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A server (the native helper or the Python fallback, the command is argv) speaking the mux on stdin/stdout to
# this upstream-like client, which has no windows: the client pushes 24 MiB at a destination that accepts and
# takes nothing for 0.3 s, then reads everything (a destination that is busy or descheduled for a moment, as one
# still connecting is). Far more than the channel's cap arrives before its socket takes a byte. A stuck socket
# is one that took nothing for the grace (1 s) since its bound; before that the receive budget bounds it. Before,
# the Python server reset such a channel as soon as its backlog passed the cap. Now both servers deliver every
# byte and end the channel cleanly.
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from mux_client import (EOF, MIB, PING, PONG, STOP, connect_frame, data_frames, frame,  # noqa: E402
                        read_frame, start_server)

UPLOAD = 24 * MIB
LATE = 0.3  # seconds the destination takes nothing; well within the servers' 1 s grace


def main():
    # Only a guard against a hang: the checks below wait for events, not for a deadline.
    signal.alarm(120)
    destination = socket.socket()
    destination.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited: its socket fills at once
    destination.bind(("127.0.0.1", 0))
    destination.listen(1)
    received = [0]
    outcome = []

    def late_reader():
        conn = destination.accept()[0]
        time.sleep(LATE)
        try:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    outcome.append("clean end")
                    return
                received[0] += len(data)
        except ConnectionResetError:
            outcome.append("reset")
    reader = threading.Thread(target=late_reader, daemon=True)
    reader.start()

    server = start_server(sys.argv[1:])
    port = destination.getsockname()[1]

    def feed():
        server.stdin.write(connect_frame(1, port) + data_frames(1, UPLOAD) + frame(1, EOF) +
                           frame(0, PING, b"after"))
        server.stdin.flush()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    # The server answers the PING once it has read the whole upload; a reset shows as STOP_SENDING on channel 1.
    stopped = False
    while True:
        channel, cmd, _ = read_frame(server.stdout)
        if channel == 1 and cmd == STOP:
            stopped = True
        if cmd == PONG:
            break
    reader.join(60)
    assert not stopped, "the server reset the channel of a destination that was only late (got %d of %d bytes)" \
        % (received[0], UPLOAD)
    assert outcome == ["clean end"], "destination: %s after %d of %d bytes" % (outcome, received[0], UPLOAD)
    assert received[0] == UPLOAD, "destination got %d of %d bytes" % (received[0], UPLOAD)
    feeder.join()
    server.stdin.close()
    server.wait()
    print("ok: %d MiB to a destination that read nothing for %.1f s, no reset" % (UPLOAD // MIB, LATE))


if __name__ == "__main__":
    main()
