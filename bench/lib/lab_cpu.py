# SPDX-License-Identifier: LGPL-2.1-or-later
"""CPU seconds (user + system) of each given process: JSON {"pid": seconds}. Two samples give what the lab's
processes used in between, whatever else runs on the machine. A process gone by then is left out.
Usage: lab_cpu.py PID...
"""
import json
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")
cpu = {}
for pid in sys.argv[1:]:
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14, 15 of proc(5)
print(json.dumps(cpu))
