# SPDX-License-Identifier: LGPL-2.1-or-later
# Drives our server with upstream sshuttle's own client-side mux classes (Debian package sshuttle): proves
# that upstream's client side interoperates with our server. Usage: upstream_client.py <server argv...>
# Exits 0 when every echo arrived intact and the server exited 0 after EOF.
import hashlib
import os
import socket
import subprocess
import sys
import threading

from sshuttle import ssnet

CONNECTIONS = 5
SIZE = 512 * 1024


def echo_server():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)

    def serve(conn):
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        conn.close()

    def accept_loop():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return listener.getsockname()[1]


def application(sock, payload, results, index, wake):
    # Plays the proxied application: send everything, half-close, read the echo until EOF.
    def send():
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
    threading.Thread(target=send, daemon=True).start()
    received = b''
    while True:
        data = sock.recv(65536)
        if not data:
            break
        received += data
    results[index] = hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
    wake.send(b'x')  # upstream's loop selects without a timeout: wake it so it sees we are done


def main():
    port = echo_server()
    ours, theirs = socket.socketpair()
    server = subprocess.Popen(sys.argv[1:], stdin=theirs, stdout=theirs)
    theirs.close()
    header = b''
    while len(header) < 14:
        header += ours.recv(14 - len(header))
    assert header == b'\0\0SSHUTTLE0001', header

    mux = ssnet.Mux(ours, ours)
    routes = []
    mux.got_routes = routes.append
    wake_r, wake_w = socket.socketpair()
    handlers = [mux, ssnet.Handler([wake_r], lambda sock: sock.recv(64))]
    results = [None] * CONNECTIONS
    for i in range(CONNECTIONS):
        app_side, proxy_side = socket.socketpair()
        channel = mux.next_channel()
        mux.send(channel, ssnet.CMD_TCP_CONNECT, b'2,127.0.0.1,%d' % port)
        handlers.append(ssnet.Proxy(ssnet.SockWrapper(proxy_side, proxy_side), ssnet.MuxWrapper(mux, channel)))
        threading.Thread(target=application, args=(app_side, os.urandom(SIZE), results, i, wake_w)).start()
    while None in results:
        ssnet.runonce(handlers, mux)
        mux.check_fullness()
        handlers = [h for h in handlers if h.ok]
    ours.shutdown(socket.SHUT_WR)
    status = server.wait()
    print('routes=%r results=%r server_exit=%d' % (routes, results, status))
    return 0 if routes == [b''] and all(results) and status == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
