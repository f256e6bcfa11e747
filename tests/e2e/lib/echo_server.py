# SPDX-License-Identifier: LGPL-2.1-or-later
"""TCP echo server for the lab (asyncio, thousands of concurrent connections, v4+v6 on one port).

A connection whose first line is exactly 'WHOAMI' gets 'ip port' of its peer as seen here, then plain echo.
Tests use it to prove a connection went through the proxy: the proxy's own socket has another address/port.
Usage: echo_server.py PORT
"""
import sys

from net_util import peer_text, run_server


async def serve_one(reader, writer):
    try:
        first = await reader.read(65536)
        if first == b"WHOAMI\n":
            writer.write((peer_text(writer.get_extra_info("peername")) + "\n").encode())
        else:
            writer.write(first)
        while first:
            await writer.drain()
            first = await reader.read(65536)
            writer.write(first)
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


if __name__ == "__main__":
    run_server(serve_one, sys.argv)
