# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hold one connection to the lab's echo server for SECONDS, one small round trip every 100 ms.

For tests that must act while a connection is known to be open end to end (a download may already sit whole in
socket buffers). Prints "ok ROUNDS" and exits 0 if every round trip came back intact; else prints the error and
exits 1 (a reset, a wrong echo, or no answer within 10 s).
Usage: held_echo.py HOST PORT SECONDS
"""
import socket
import sys
import time


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rounds = 0
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                line = b"round %d\n" % rounds
                sock.sendall(line)
                got = b""
                while len(got) < len(line):
                    chunk = sock.recv(len(line) - len(got))
                    if not chunk:
                        raise ConnectionError("closed by the far end")
                    got += chunk
                if got != line:
                    raise ValueError("echo %r for %r" % (got, line))
                rounds += 1
                time.sleep(0.1)
    except (OSError, ValueError) as error:
        print("failed after %d rounds: %s" % (rounds, error))
        return 1
    print("ok %d" % rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
