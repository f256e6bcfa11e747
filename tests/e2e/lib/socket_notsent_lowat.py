#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""socket_notsent_lowat.py PID PORT: the TCP_NOTSENT_LOWAT of each established TCP socket of process PID whose
peer port is PORT, one line each ("0" where none is set). The socket is read through a copy of the process's
own descriptor (pidfd_getfd, Linux 5.6; needs the right to ptrace PID, as root has), so the figure is the
kernel's, not what a log says was asked for."""
import ctypes
import os
import socket
import sys

TCP_NOTSENT_LOWAT = 25
SYS_PIDFD_GETFD = 438  # the same number on every architecture (the unified syscall table)
ESTABLISHED = "01"


def socket_inodes(pid, port):
    """inode -> True for the established sockets in PID's network namespace whose remote port is PORT."""
    found = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if remote_port == port and fields[3] == ESTABLISHED:
                        found.add(fields[9])
        except FileNotFoundError:
            pass
    return found


def main():
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    inodes = socket_inodes(pid, port)
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for name in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue
            if not (target.startswith("socket:[") and target[8:-1] in inodes):
                continue
            fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                sys.exit(f"pidfd_getfd({pid}, {name}): {os.strerror(ctypes.get_errno())}")
            with socket.socket(fileno=fd) as s:
                print(s.getsockopt(socket.IPPROTO_TCP, TCP_NOTSENT_LOWAT))
    finally:
        os.close(pidfd)


if __name__ == "__main__":
    main()
