# SPDX-License-Identifier: LGPL-2.1-or-later
"""Upload sink for the lab: reads a connection to EOF, then answers '<sha256> <bytes>' and closes.

Answering after the client's half-close also checks that TCP_EOF travels through the tunnel.
Usage: sink_server.py PORT
"""
import asyncio
import hashlib
import sys

from net_util import dual_stack_listener, raise_fd_limit


async def serve_one(reader, writer):
    digest = hashlib.sha256()
    total = 0
    try:
        while True:
            chunk = await reader.read(1 << 20)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        writer.write(("%s %d\n" % (digest.hexdigest(), total)).encode())
        await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(serve_one, sock=dual_stack_listener(port), backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    raise_fd_limit()
    asyncio.run(main(int(sys.argv[1])))
