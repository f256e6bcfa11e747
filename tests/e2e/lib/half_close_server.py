# SPDX-License-Identifier: LGPL-2.1-or-later
"""A server that closes first: to each connection it sends 'bye\\n', shuts down its sending side, then reads until
the client's EOF and logs 'got N' (one line per connection, flushed) to stdout.
Usage: half_close_server.py PORT
"""
import sys

from net_util import run_server


async def serve_one(reader, writer):
    total = 0
    try:
        writer.write(b"bye\n")
        await writer.drain()
        writer.write_eof()
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            total += len(chunk)
    except (ConnectionError, OSError):
        pass
    finally:
        print("got %d" % total, flush=True)
        writer.close()


if __name__ == "__main__":
    run_server(serve_one, sys.argv)
