# SPDX-License-Identifier: LGPL-2.1-or-later
"""Whole-machine CPU time from /proc/stat, for CPU seconds per GB: every process counts (ssh, sshd, our client
and server, iperf3 - and whatever else runs on the machine, which the bench estimates separately).

Prints JSON {"busy_s", "wall_s"}: busy = user + nice + system + irq + softirq of all CPUs (idle, iowait and
steal are not ours), wall = the monotonic clock. Subtract two samples.
Usage: machine_cpu.py
"""
import json
import os
import time

TICKS = os.sysconf("SC_CLK_TCK")

with open("/proc/stat") as f:
    fields = f.readline().split()
# cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
print(json.dumps({"busy_s": (user + nice + system + irq + softirq) / TICKS, "wall_s": time.monotonic()}))
