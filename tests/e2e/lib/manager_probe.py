# SPDX-License-Identifier: LGPL-2.1-or-later
"""Talks to a firewall manager directly, as a client would (or an attacker with the sudo rule).

Usage: manager_probe.py [--listen] [--host NAME,IP]... [--show FILE] [--hold SECONDS] -- COMMAND...
Starts COMMAND (e.g. `sudo -n sshuttle --firewall --method nat`) on a socketpair, waits for READY, sends the
order in $PROBE_ORDER (lines separated by '|'; "{port}" is replaced by the port of a TCP listener this process
opens when --listen is given, "{uid}"/"{pid}" by its own), and prints the manager's answer. After STARTED it
sends the HOST lines and a QUERY_PF_NAT (whose answer means every line before it was handled), prints FILE
(--show), keeps the session --hold seconds and closes it. Everything the manager said is printed, one line
each.
"""
import os
import socket
import subprocess
import sys
import time


def read_line(sock_file):
    line = sock_file.readline()
    if not line:
        raise SystemExit("probe: the manager closed the connection")
    return line.decode(errors="replace").rstrip("\n")


def main():
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1:]
    hosts, hold, listener, show = [], 0.0, None, None
    i = 0
    while i < len(options):
        if options[i] == "--listen":
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
        elif options[i] == "--host":
            i += 1
            hosts.append(options[i])
        elif options[i] == "--show":
            i += 1
            show = options[i]
        elif options[i] == "--hold":
            i += 1
            hold = float(options[i])
        i += 1
    ours, theirs = socket.socketpair()
    child = subprocess.Popen(command, stdin=theirs, stdout=theirs)
    theirs.close()
    sock_file = ours.makefile("rb")
    line = read_line(sock_file)
    while not line.startswith("READY "):
        line = read_line(sock_file)
    print(line, flush=True)
    port = listener.getsockname()[1] if listener else 0
    order = os.environ["PROBE_ORDER"].format(port=port, uid=os.getuid(), pid=os.getpid())
    ours.sendall(("\n".join(order.split("|")) + "\n").encode())
    answer = read_line(sock_file)
    print(answer, flush=True)
    if answer == "STARTED":
        for host in hosts:
            ours.sendall(("HOST %s\n" % host).encode())
        ours.sendall(b"QUERY_PF_NAT 2,6,127.0.0.1,1,127.0.0.1,2\n")
        print(read_line(sock_file), flush=True)
        if show:
            with open(show) as f:
                print("%s during the session:\n%s" % (show, f.read()), flush=True)
        time.sleep(hold)
    ours.shutdown(socket.SHUT_WR)
    for rest in sock_file:
        print(rest.decode(errors="replace").rstrip("\n"), flush=True)
    print("manager exit status %d" % child.wait(), flush=True)


if __name__ == "__main__":
    main()
