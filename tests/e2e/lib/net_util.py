# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared bits of the lab's Python helpers: dual-stack listening sockets and a raised fd limit."""
import resource
import socket


def raise_fd_limit():
    """Lift the soft RLIMIT_NOFILE to the hard limit: the lab runs thousands of sockets at once."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def dual_stack_listener(port):
    """One socket on [::]:port that also takes IPv4 (IPV6_V6ONLY off), with a large accept backlog."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    sock.listen(socket.SOMAXCONN)
    return sock


def peer_text(addr):
    """'ip port' of a peer, with IPv4-mapped IPv6 addresses shown as plain IPv4."""
    ip = addr[0]
    if ip.startswith("::ffff:"):
        ip = ip[len("::ffff:"):]
    return "%s %d" % (ip, addr[1])


def run_server(serve_one, argv):
    """Serve connections on the dual-stack port argv[1] with serve_one(reader, writer), forever."""
    import asyncio

    async def main(port):
        server = await asyncio.start_server(serve_one, sock=dual_stack_listener(port), backlog=4096)
        async with server:
            await server.serve_forever()

    raise_fd_limit()
    asyncio.run(main(int(argv[1])))
