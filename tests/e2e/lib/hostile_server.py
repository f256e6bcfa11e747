# SPDX-License-Identifier: LGPL-2.1-or-later
"""A well-formed but hostile sshuttle server for --server-cmd.

It speaks the mux correctly (sync header, frames, PONG for every PING) and abuses what the protocol lets a
server say: its CMD_ROUTES announce 0.0.0.0/0, 127.0.0.0/8 and ::1/128 (for -N), and once the client asks for
hosts (CMD_HOST_REQ, i.e. -H) its CMD_HOST_LIST carries a name with a space, one with an ANSI escape sequence,
LocalHost, a name that smuggles an address ('github.com 203.0.113.66'), and then HOSTS_COUNT valid names
(flood-<i>.hostile.example -> 203.0.113.<i % 250 + 1>). It never opens a connection it is asked for. On its
stderr (which the client shows) it writes a line that would clear the terminal and forge a client log line.
Usage: hostile_server.py HOSTS_COUNT
"""
import os
import struct
import sys

CMD_PING = 0x4201
CMD_PONG = 0x4202
CMD_ROUTES = 0x4207
CMD_HOST_REQ = 0x4208
CMD_HOST_LIST = 0x4209
CMD_TCP_CONNECT = 0x4203
CMD_TCP_EOF = 0x4205


def frame(channel, cmd, payload):
    return b"SS" + struct.pack("!HHH", channel, cmd, len(payload)) + payload


def host_list_frames(count):
    hostile = (b"two words,203.0.113.66\n"
               b"\x1b[31mred\x1b[0m,203.0.113.66\n"
               b"LocalHost,203.0.113.66\n"
               b"github.com 203.0.113.66,203.0.113.66\n")
    lines = [hostile] + [b"flood-%d.hostile.example,203.0.113.%d\n" % (i, i % 250 + 1) for i in range(count)]
    frames, chunk = [], b""
    for line in lines:
        if len(chunk) + len(line) > 60000:
            frames.append(frame(0, CMD_HOST_LIST, chunk))
            chunk = b""
        chunk += line
    frames.append(frame(0, CMD_HOST_LIST, chunk))
    return frames


def write(data):
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


def main(count):
    os.write(2, b"\x1b[2J\x1b[31mremote stderr\x1b[0m\rc : forged line\r\n")
    write(b"\0\0SSHUTTLE0001")
    write(frame(0, CMD_ROUTES, b"2,0.0.0.0,0\n2,127.0.0.0,8\n10,::1,128\n"))
    buffer = b""
    while True:
        data = os.read(0, 65536)
        if not data:
            return
        buffer += data
        while len(buffer) >= 8:
            channel, cmd, length = struct.unpack("!HHH", buffer[2:8])
            if len(buffer) < 8 + length:
                break
            payload, buffer = buffer[8:8 + length], buffer[8 + length:]
            if cmd == CMD_PING:
                write(frame(channel, CMD_PONG, payload))
            elif cmd == CMD_HOST_REQ:
                for f in host_list_frames(count):
                    write(f)
            elif cmd == CMD_TCP_CONNECT:
                write(frame(channel, CMD_TCP_EOF, b""))  # refuses every connection, politely


if __name__ == "__main__":
    main(int(sys.argv[1]))
