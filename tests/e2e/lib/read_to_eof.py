# SPDX-License-Identifier: LGPL-2.1-or-later
"""An HTTP/1.0 GET that ends at the server's close, with our write side left open: the body must arrive and the
EOF too, or the application would wait forever. Prints the body; exit 1 when no EOF came within TIMEOUT seconds.
Usage: read_to_eof.py HOST PORT PATH [TIMEOUT]
"""
import socket
import sys


def main(host, port, path, timeout):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(("GET %s HTTP/1.0\r\nHost: lab\r\n\r\n" % path).encode())
        answer = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            sys.exit("read_to_eof %s:%d: no EOF within %ss (%d bytes came)" % (host, port, timeout, len(answer)))
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        sys.exit("read_to_eof %s:%d: not an HTTP answer: %r" % (host, port, head[:80]))
    sys.stdout.write(body.decode(errors="replace"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 10.0)
