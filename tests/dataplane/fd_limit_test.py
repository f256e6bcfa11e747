#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The server (argv: the native helper or the Python fallback) started under an open-file soft limit of 1024, as
# sshd usually leaves it, must connect 1500 channels: it raises the soft limit to the hard one. Before, about a
# third were refused (TCP_EOF + TCP_STOP_SENDING for each). The test lab raises the limit for everything it
# starts, which hid this; here only the soft limit is lowered, for the server alone.
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading

HEADER = struct.Struct("!2sHHH")
CONNECT, STOP = 0x4203, 0x4204
CONNECTIONS = 1500


def main():
    signal.alarm(120)  # only a guard against a hang
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2 * CONNECTIONS + 64:
        print("skipped: the hard open-file limit %d is too low for this test" % hard)
        return 77
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds 1500 accepted sockets
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(socket.SOMAXCONN)
    accepted = []
    all_accepted = threading.Event()

    def accept():
        while len(accepted) < CONNECTIONS:
            accepted.append(listener.accept()[0])
        all_accepted.set()
    threading.Thread(target=accept, daemon=True).start()

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    server = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, preexec_fn=low_limit)
    assert server.stdout.read(14) == b"\0\0SSHUTTLE0001"
    port = listener.getsockname()[1]
    payload = b"2,127.0.0.1,%d" % port
    server.stdin.write(b"".join(HEADER.pack(b"SS", ch, CONNECT, len(payload)) + payload
                                for ch in range(1, CONNECTIONS + 1)))
    server.stdin.flush()
    refused = []

    def watch_refusals():
        while True:
            head = server.stdout.read(8)
            if len(head) < 8:
                return
            _, channel, cmd, size = HEADER.unpack(head)
            server.stdout.read(size)
            if cmd == STOP:
                refused.append(channel)
    threading.Thread(target=watch_refusals, daemon=True).start()
    while not all_accepted.wait(0.1):
        assert not refused, "the server refused %d connections (first: channel %d)" % (len(refused), refused[0])
    assert not refused
    server.stdin.close()
    server.wait()
    print("ok: %d connections under a soft limit of 1024" % CONNECTIONS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
