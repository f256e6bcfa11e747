# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ask the echo server who we are. Prints 'local_port seen_ip seen_port'; exit 1 if it cannot connect
within TIMEOUT seconds. Used as the tunnel readiness probe and as proof that a connection was proxied.
Usage: whoami.py HOST PORT [TIMEOUT]
"""
import socket
import sys


def main(host, port, timeout):
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            local_port = sock.getsockname()[1]
            sock.sendall(b"WHOAMI\n")
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = sock.recv(256)
                if not chunk:
                    break
                answer += chunk
    except OSError as e:
        print("whoami %s:%d: %s" % (host, port, e), file=sys.stderr)
        sys.exit(1)
    if not answer.endswith(b"\n"):
        print("whoami %s:%d: connection closed without an answer" % (host, port), file=sys.stderr)
        sys.exit(1)
    print(local_port, answer.decode().strip())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 5.0)
