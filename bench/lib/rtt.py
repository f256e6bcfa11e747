# SPDX-License-Identifier: LGPL-2.1-or-later
"""Request/response latency on one connection to an echo server: 64-byte messages back to back.

Prints JSON {"samples", "p50_ms", "p99_ms", "max_ms", "cdf_ms"}; cdf_ms holds the 0th, 1st, ... 100th percentile
(the distribution, for the bench's picture). WARMUP seconds of samples are dropped first (the bench
starts a bulk transfer at the same moment and wants only the part where it saturates the tunnel).
Usage: rtt.py HOST PORT DURATION_S [WARMUP_S]
"""
import json
import socket
import sys
import time


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(host, port, duration_s, warmup_s):
    message = b"r" * 63 + b"\n"
    samples = []
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.monotonic()
        while time.monotonic() - start < warmup_s + duration_s:
            sent = time.monotonic()
            sock.sendall(message)
            got = 0
            while got < len(message):
                chunk = sock.recv(len(message) - got)
                if not chunk:
                    sys.exit("rtt: %s:%d closed the connection" % (host, port))
                got += len(chunk)
            now = time.monotonic()
            if sent - start >= warmup_s:
                samples.append((now - sent) * 1000.0)
    if not samples:
        sys.exit("rtt: no sample in %ss" % duration_s)
    samples.sort()
    print(json.dumps({"samples": len(samples), "p50_ms": round(percentile(samples, 0.50), 3),
                      "p99_ms": round(percentile(samples, 0.99), 3), "max_ms": round(samples[-1], 3),
                      "cdf_ms": [round(percentile(samples, i / 100), 3) for i in range(101)]}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
