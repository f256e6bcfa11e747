# SPDX-License-Identifier: LGPL-2.1-or-later
"""Open N connections to an echo server at once, hold them all open, then do R round trips on each.

Prints one JSON line: {"connections", "rounds", "ok", "failed", "connect_s", "total_s", "errors": {text: count}}.
Exit status 1 if any connection failed. The timeout only guards against a hang; it is not a performance bound.
Usage: concurrency.py HOST PORT N ROUNDS [TIMEOUT_S]
"""
import asyncio
import collections
import json
import sys
import time

from net_util import raise_fd_limit


class Gate:
    """Opens once every connection attempt has finished, so all connections are alive at the same time."""

    def __init__(self, count):
        self.left = count
        self.event = asyncio.Event()

    def arrive(self):
        self.left -= 1
        if self.left == 0:
            self.event.set()


async def one_connection(index, host, port, rounds, gate, errors):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        errors["connect: " + (e.strerror or str(e))] += 1
        gate.arrive()
        return False
    gate.arrive()
    try:
        await gate.event.wait()
        for r in range(rounds):
            message = ("%d:%d:" % (index, r)).encode().ljust(64, b"x") + b"\n"
            writer.write(message)
            answer = await reader.readexactly(len(message))
            if answer != message:
                errors["echo mismatch"] += 1
                return False
        return True
    except (OSError, asyncio.IncompleteReadError) as e:
        errors["round trip: " + type(e).__name__] += 1
        return False
    finally:
        writer.close()


async def run(host, port, count, rounds, timeout_s):
    errors = collections.Counter()
    gate = Gate(count)
    start = time.monotonic()
    tasks = [asyncio.create_task(one_connection(i, host, port, rounds, gate, errors)) for i in range(count)]
    try:
        await asyncio.wait_for(gate.event.wait(), timeout_s)
    except asyncio.TimeoutError:
        errors["hang guard: connects unfinished after %ss" % timeout_s] += 1
    connected = time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=timeout_s)
    for task in pending:
        task.cancel()
        errors["hang guard: no answer within %ss" % timeout_s] += 1
    ok = sum(1 for t in done if t.result())
    return {"connections": count, "rounds": rounds, "ok": ok, "failed": count - ok,
            "connect_s": round(connected - start, 3), "total_s": round(time.monotonic() - start, 3),
            "errors": dict(errors)}


if __name__ == "__main__":
    raise_fd_limit()
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 300.0
    report = asyncio.run(run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), timeout))
    print(json.dumps(report))
    sys.exit(0 if report["failed"] == 0 else 1)
