# SPDX-License-Identifier: LGPL-2.1-or-later
"""Upload sink for the lab: reads a connection to EOF, then answers '<sha256> <bytes>' and closes.

Answering after the client's half-close also checks that TCP_EOF travels through the tunnel.
Usage: sink_server.py PORT
"""
import hashlib
import sys

from net_util import run_server


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


if __name__ == "__main__":
    run_server(serve_one, sys.argv)
