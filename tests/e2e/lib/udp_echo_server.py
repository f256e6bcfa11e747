# SPDX-License-Identifier: LGPL-2.1-or-later
"""UDP echo server for the lab: one dual-stack socket on [::]:PORT sends every datagram back to its sender.

A datagram that is exactly b'WHOAMI' is answered with 'ip port' of its sender as seen here instead, so tests
can tell a proxied flow (the proxy's own socket) from a direct one.
Usage: udp_echo_server.py PORT
"""
import socket
import sys

from net_util import peer_text


def main(port):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(("::", port))
    while True:
        data, peer = sock.recvfrom(65536)
        reply = (peer_text(peer) + "\n").encode() if data == b"WHOAMI" else data
        try:
            sock.sendto(reply, peer)
        except OSError:
            pass  # the client went away: UDP has nobody to tell


if __name__ == "__main__":
    main(int(sys.argv[1]))
