# SPDX-License-Identifier: LGPL-2.1-or-later
"""Wall-clock time (time.time()) at which the first byte came back through a tunnel that is still starting.

A new connection attempt starts every 10 ms (an attempt made before the firewall rules exist is dropped for good,
so retrying one socket would not do); the first attempt to get its echo wins. Prints the timestamp, or exits 1
after TIMEOUT seconds.
Usage: first_byte.py HOST PORT [TIMEOUT_S]
"""
import asyncio
import sys
import time


async def attempt(host, port, done):
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"x")
        if await reader.read(1) == b"x" and not done.done():
            done.set_result(time.time())
        writer.close()
    except OSError:
        pass


async def main(host, port, timeout_s):
    done = asyncio.get_running_loop().create_future()
    tasks = []
    deadline = time.monotonic() + timeout_s
    while not done.done() and time.monotonic() < deadline:
        tasks.append(asyncio.create_task(asyncio.wait_for(attempt(host, port, done), 3)))
        await asyncio.sleep(0.01)
    for task in tasks:
        task.cancel()
    if not done.done():
        sys.exit("first_byte: nothing came back from %s:%d within %ss" % (host, port, timeout_s))
    print("%.6f" % done.result())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 30.0))
