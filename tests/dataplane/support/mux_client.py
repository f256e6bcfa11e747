# SPDX-License-Identifier: LGPL-2.1-or-later
# The client end of the mux for the data-plane process tests: starts a server command on pipes and writes and
# reads upstream sshuttle's frames, with no extension (as an upstream client would).
import struct
import subprocess

HEADER = struct.Struct("!2sHHH")
SYNC_HEADER = b"\0\0SSHUTTLE0001"
PING, PONG, CONNECT, STOP, EOF, DATA = 0x4201, 0x4202, 0x4203, 0x4204, 0x4205, 0x4206
MIB = 1 << 20


def frame(channel, cmd, payload=b""):
    return HEADER.pack(b"SS", channel, cmd, len(payload)) + payload


def data_frames(channel, size):
    """size bytes of TCP_DATA for channel, in frames of the largest payload."""
    chunk = b"d" * 65535
    out = []
    while size > 0:
        n = min(size, len(chunk))
        out.append(frame(channel, DATA, chunk[:n]))
        size -= n
    return b"".join(out)


def connect_frame(channel, port):
    return frame(channel, CONNECT, b"2,127.0.0.1,%d" % port)


def start_server(argv, **popen_args):
    """The server process, its sync header read and checked."""
    server = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **popen_args)
    header = server.stdout.read(len(SYNC_HEADER))
    assert header == SYNC_HEADER, "expected the sync header, got %r" % header
    return server


def read_frame(stream):
    """(channel, cmd, payload) of the next frame; fails the test if the server ended."""
    head = stream.read(HEADER.size)
    assert len(head) == HEADER.size, "the server ended: %r" % head
    _, channel, cmd, size = HEADER.unpack(head)
    return channel, cmd, stream.read(size)
