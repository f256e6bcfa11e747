# SPDX-License-Identifier: LGPL-2.1-or-later
"""A server that closes first: to each connection it sends 'bye\\n', shuts down its sending side, then reads until
the client's EOF and logs 'got N' (one line per connection, flushed) to stdout.
Usage: half_close_server.py PORT
"""
import socket
import sys
import threading


def serve(conn):
    with conn:
        conn.sendall(b"bye\n")
        conn.shutdown(socket.SHUT_WR)
        total = 0
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                total += len(chunk)
        except OSError:
            pass
        print("got %d" % total, flush=True)


def main(port):
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("::", port))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main(int(sys.argv[1]))
