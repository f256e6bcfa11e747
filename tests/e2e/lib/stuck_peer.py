#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Connections that stop reading, for test_stuck_channel.sh.
#   stuck_peer.py listen PORT           accept connections on PORT (dual stack) and never read from them
#   stuck_peer.py reader HOST PORT PATH  HTTP GET PATH, then never read the response (prints "ready")
#   stuck_peer.py writer HOST PORT      connect and write until the socket blocks for good (prints "ready" first)
import socket
import sys
import time


def main():
    mode = sys.argv[1]
    if mode == "listen":
        server = socket.socket(socket.AF_INET6)
        server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("::", int(sys.argv[2])))
        server.listen(16)
        held = []
        while True:
            held.append(server.accept()[0])  # kept open, never read
    sock = socket.create_connection((sys.argv[2], int(sys.argv[3])))
    if mode == "reader":
        sock.sendall(b"GET %s HTTP/1.0\r\nHost: target\r\n\r\n" % sys.argv[4].encode())
        print("ready", flush=True)
        while True:
            time.sleep(60)  # never reads
    print("ready", flush=True)
    chunk = b"w" * 65536
    while True:
        sock.sendall(chunk)  # blocks for good once every buffer on the way is full


if __name__ == "__main__":
    main()
