# SPDX-License-Identifier: LGPL-2.1-or-later
"""Send a file to the sink server, half-close, print the sink's answer '<sha256> <bytes>'.
Usage: upload.py HOST PORT FILE
"""
import socket
import sys


def main(host, port, path):
    with socket.create_connection((host, port), timeout=120) as sock, open(path, "rb") as f:
        sock.sendfile(f)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    if not answer:
        sys.exit("upload to %s:%d: the sink closed without an answer" % (host, port))
    print(answer.decode().strip())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
