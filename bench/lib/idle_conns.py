# SPDX-License-Identifier: LGPL-2.1-or-later
"""Open N connections to an echo server at once, one round trip on each, then hold them all open and idle until
SIGUSR1 (the bench measures the tunnel's memory meanwhile), then close them.

Plain non-blocking sockets on epoll, so that the load generator (one Python process) is not what limits the
rate. Writes its pid to READY_FILE once every connection has finished its round trip or failed, and prints one
JSON line at the end: {"connections", "ok", "failed", "total_s", "errors": {text: count}} (total_s: until the
last answer). A connection fails if it did not connect, or its 64-byte echo did not come back intact, within
TIMEOUT_S of the start, or if it was closed while held. Exit status 1 if any failed.
Usage: idle_conns.py HOST PORT N READY_FILE [TIMEOUT_S]
"""
import collections
import errno
import json
import os
import select
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e", "lib"))
from net_util import raise_fd_limit  # noqa: E402  (the lab's helper)


def message(index):
    return ("%d:" % index).encode().ljust(63, b"x") + b"\n"


def open_all(host, port, count, timeout_s, errors):
    """Connect, send, read the echo; returns the sockets whose round trip worked."""
    poller = select.epoll()
    pending = {}  # fd -> [socket, index, bytes received]
    for i in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex((host, port))
        if code not in (0, errno.EINPROGRESS):
            errors["connect: " + os.strerror(code)] += 1
            sock.close()
            continue
        pending[sock.fileno()] = [sock, i, b""]
        poller.register(sock.fileno(), select.EPOLLOUT)
    done = []
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        for fd, events in poller.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
            entry = pending[fd]
            sock, index, got = entry
            failure = None
            if events & select.EPOLLOUT:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    failure = "connect: " + os.strerror(code)
                else:
                    try:
                        sock.send(message(index))  # 64 bytes always fit an empty send buffer
                        poller.modify(fd, select.EPOLLIN)
                    except OSError as e:
                        failure = "send: " + (e.strerror or type(e).__name__)
            elif events & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                try:
                    chunk = sock.recv(64 - len(got))
                except OSError as e:
                    chunk, failure = b"", "round trip: " + (e.strerror or type(e).__name__)
                if not chunk and failure is None:
                    failure = "round trip: closed"
                got += chunk
                entry[2] = got
                if len(got) == 64 and failure is None:
                    failure = "" if got == message(index) else "echo mismatch"
            if failure is not None:
                poller.unregister(fd)
                del pending[fd]
                if failure:
                    errors[failure] += 1
                    sock.close()
                else:
                    done.append(sock)
    for sock, _, _ in pending.values():
        errors["hang guard: no answer within %ss" % timeout_s] += 1
        sock.close()
    poller.close()
    return done


def still_open(sock):
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True  # nothing to read and no EOF: open and idle
    except OSError:
        return False


def main(host, port, count, ready_file, timeout_s):
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])  # taken with sigwait below, never lost
    errors = collections.Counter()
    start = time.monotonic()
    held = open_all(host, port, count, timeout_s, errors)
    answered = time.monotonic() - start
    with open(ready_file, "w") as f:
        f.write("%d\n" % os.getpid())
    signal.sigwait([signal.SIGUSR1])
    ok = 0
    for sock in held:
        if still_open(sock):
            ok += 1
        else:
            errors["closed while held"] += 1
        sock.close()
    report = {"connections": count, "ok": ok, "failed": count - ok, "total_s": round(answered, 3),
              "errors": dict(errors)}
    print(json.dumps(report))
    return report["failed"] == 0


if __name__ == "__main__":
    raise_fd_limit()
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
    sys.exit(0 if main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], timeout) else 1)
