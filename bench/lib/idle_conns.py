# SPDX-License-Identifier: LGPL-2.1-or-later
"""Open N connections to an echo server at once, one round trip on each, then hold them all open and idle until
SIGUSR1 (the bench measures the tunnel's memory meanwhile), then close them.

Writes its pid to READY_FILE once every connection has finished its round trip (or failed), and prints one JSON
line at the end: {"connections", "ok", "failed", "total_s", "errors": {text: count}}
(total_s: until the last round trip answered).
A connection counts as failed if it could not connect, its echo did not come back intact within TIMEOUT_S, or it
was closed while held. Exit status 1 if any failed.
Usage: idle_conns.py HOST PORT N READY_FILE [TIMEOUT_S]
"""
import asyncio
import collections
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e", "lib"))
from net_util import raise_fd_limit  # noqa: E402  (the lab's helper)


async def one(index, host, port, errors, timeout_s):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except (OSError, asyncio.TimeoutError) as e:
        errors["connect: " + (getattr(e, "strerror", None) or type(e).__name__)] += 1
        return None
    try:
        message = ("%d:" % index).encode().ljust(63, b"x") + b"\n"
        writer.write(message)
        if await asyncio.wait_for(reader.readexactly(len(message)), timeout_s) != message:
            errors["echo mismatch"] += 1
            writer.close()
            return None
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
        errors["round trip: " + type(e).__name__] += 1
        writer.close()
        return None
    return reader, writer


async def run(host, port, count, ready_file, timeout_s):
    errors = collections.Counter()
    release = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, release.set)
    start = time.monotonic()
    results = await asyncio.gather(*(one(i, host, port, errors, timeout_s) for i in range(count)))
    answered = time.monotonic()
    with open(ready_file, "w") as f:
        f.write("%d\n" % os.getpid())
    await release.wait()
    ok = 0
    for r in results:
        if r is None:
            continue
        reader, writer = r
        # Still open and idle: nothing to read, no EOF.
        if reader.at_eof() or reader.exception() is not None:
            errors["closed while held"] += 1
        else:
            ok += 1
        writer.close()
    return {"connections": count, "ok": ok, "failed": count - ok, "total_s": round(answered - start, 3),
            "errors": dict(errors)}


if __name__ == "__main__":
    raise_fd_limit()
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
    report = asyncio.run(run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], timeout))
    print(json.dumps(report))
    sys.exit(0 if report["failed"] == 0 else 1)
