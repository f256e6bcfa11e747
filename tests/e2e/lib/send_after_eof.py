# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reads until the server's EOF, then sends BYTES and closes: the client side of a server-first half-close.
Prints what it read. Usage: send_after_eof.py HOST PORT BYTES
"""
import socket
import sys


def main(host, port, count):
    with socket.create_connection((host, port), timeout=10) as sock:
        got = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        try:
            sock.sendall(b"x" * count)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(1)  # until the server closes too
        except OSError:
            pass
    sys.stdout.write(got.decode(errors="replace"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
