# SPDX-License-Identifier: LGPL-2.1-or-later
"""Send COUNT DNS queries for NAME to SERVER:53 at once, each from its own UDP socket with its own id, and wait
up to TIMEOUT seconds for the answers. Like a stub resolver (resolv.conf "timeout:5 attempts:2"), a query
still unanswered after RETRY_S seconds is sent once more on its socket: DNS is UDP, and one datagram lost in a
burst of hundreds is normal, not a failure of the tunnel. Prints the distinct addresses answered and
'answered N/COUNT'; exit 0 only if every query got an answer with an address of the asked type.
SOURCE_PORT (with COUNT 1) sends from that port instead of a random one: below the ephemeral range, it cannot
meet a conntrack entry that an earlier query from a random port left behind (a redirect of the last tunnel
lives on in conntrack for up to 30 s after its rule is gone, for that one source port).
Usage: dns_query.py SERVER NAME [A|AAAA] [COUNT] [TIMEOUT] [SOURCE_PORT]
"""
import selectors
import socket
import struct
import sys
import time

RETRY_S = 5.0
TYPES = {"A": (1, socket.AF_INET, 4), "AAAA": (28, socket.AF_INET6, 16)}


def build_query(ident, name, qtype):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", qtype, 1)


def skip_name(data, pos):
    while True:
        length = data[pos]
        if length & 0xC0 == 0xC0:  # compression pointer ends the name
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos


def first_address(data, ident, qtype, family, size):
    """The first answer record of the asked type, as text; None for a wrong id or no such record."""
    got_id, flags, qdcount, ancount = struct.unpack("!HHHH", data[:8])
    if got_id != ident or not flags & 0x8000 or flags & 0x000F:
        return None
    pos = 12
    for _ in range(qdcount):
        pos = skip_name(data, pos) + 4
    for _ in range(ancount):
        pos = skip_name(data, pos)
        rtype, _, _, rdlength = struct.unpack("!HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == qtype and rdlength == size:
            return socket.inet_ntop(family, data[pos:pos + size])
        pos += rdlength
    return None


def main(server, name, type_name="A", count=1, timeout=10.0, source_port=0):
    qtype, family, size = TYPES[type_name]
    server_family = socket.AF_INET6 if ":" in server else socket.AF_INET
    selector = selectors.DefaultSelector()
    for i in range(count):
        sock = socket.socket(server_family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        if source_port:
            sock.bind(("::" if server_family == socket.AF_INET6 else "0.0.0.0", source_port))
        ident = (i * 7919 + 1) & 0xFFFF
        sock.sendto(build_query(ident, name, qtype), (server, 53))
        selector.register(sock, selectors.EVENT_READ, ident)
    answers = {}
    deadline = time.monotonic() + timeout
    resend_at = time.monotonic() + RETRY_S
    resent = None  # how many were sent again, once the retry time has come
    while len(selector.get_map()) > 0 and time.monotonic() < deadline:
        if resent is None and time.monotonic() >= resend_at:
            pending = list(selector.get_map().values())
            for key in pending:
                key.fileobj.sendto(build_query(key.data, name, qtype), (server, 53))
            resent = len(pending)
        wake = deadline if resent is not None else min(deadline, resend_at)
        for key, _ in selector.select(max(0.0, wake - time.monotonic())):
            try:
                data = key.fileobj.recv(65535)
            except OSError:
                continue
            address = first_address(data, key.data, qtype, family, size)
            if address is not None:
                answers[key.data] = address
                selector.unregister(key.fileobj)
                key.fileobj.close()
    for address in sorted(set(answers.values())):
        print(address)
    if resent:
        print("resent %d unanswered after %.0f s" % (resent, RETRY_S), file=sys.stderr)
    print("answered %d/%d" % (len(answers), count))
    sys.exit(0 if len(answers) == count else 1)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], args[2] if len(args) > 2 else "A", int(args[3]) if len(args) > 3 else 1,
         float(args[4]) if len(args) > 4 else 10.0, int(args[5]) if len(args) > 5 else 0)
