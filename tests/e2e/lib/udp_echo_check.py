# SPDX-License-Identifier: LGPL-2.1-or-later
"""Send COUNT datagrams of random content and sizes 1..MAX_SIZE to HOST:PORT, FLOWS sockets (flows) taking turns,
one datagram in flight per flow, and check that every echo comes back byte for byte from HOST:PORT. A datagram
whose echo does not come within 2 s is sent again (UDP may lose one; that is not corruption), at most 5 times.
Prints 'echoed N/COUNT, resent R, corrupt C'; exit 0 only if all came back and none was corrupt.
Usage: udp_echo_check.py HOST PORT [COUNT] [MAX_SIZE] [FLOWS]
"""
import os
import random
import selectors
import socket
import sys
import time


def main(host, port, count, max_size, flows):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    target = (host, port)
    rng = random.Random(20261122)
    # Every size class shows up: tiny, around the 1500-byte MTU, and up to max_size.
    sizes = [1, max_size, 1472, 1473, 4096] + [rng.randint(1, max_size) for _ in range(count)]
    sizes = sizes[:count]
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(flows):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect(target)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ)
    pending = {}  # socket -> (payload, sent at, tries)
    echoed_before = {}  # socket -> payloads already echoed: a resent one may come back twice, and late
    next_index = 0
    echoed = resent = corrupt = 0
    deadline = time.monotonic() + 300

    def send_next(s):
        nonlocal next_index
        if next_index < count:
            payload = os.urandom(sizes[next_index])
            next_index += 1
            s.send(payload)
            pending[s] = (payload, time.monotonic(), 1)

    for s in socks:
        send_next(s)
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data, peer = s.recvfrom(65536)
            except OSError:
                continue
            if s not in pending or data in echoed_before.get(s, ()):
                continue  # a late duplicate of a datagram that was sent twice
            payload = pending[s][0]
            if data != payload:
                corrupt += 1
                print("corrupt echo: sent %d bytes, got %d from %r" % (len(payload), len(data), peer), file=sys.stderr)
            else:
                echoed += 1
            echoed_before.setdefault(s, set()).add(payload)
            del pending[s]
            send_next(s)
        now = time.monotonic()
        for s, (payload, sent_at, tries) in list(pending.items()):
            if now - sent_at > 2:
                if tries >= 5:
                    print("no echo for a %d-byte datagram after %d tries" % (len(payload), tries), file=sys.stderr)
                    del pending[s]
                    continue
                s.send(payload)
                resent += 1
                pending[s] = (payload, now, tries + 1)
    print("echoed %d/%d, resent %d, corrupt %d" % (echoed, count, resent, corrupt))
    return 0 if echoed == count and corrupt == 0 else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], int(args[1]), int(args[2]) if len(args) > 2 else 1000,
                  int(args[3]) if len(args) > 3 else 8192, int(args[4]) if len(args) > 4 else 8))
