# SPDX-License-Identifier: LGPL-2.1-or-later
"""Resident memory of a set of processes, summed: JSON {"rss_kb", "hwm_kb", "pids"} (VmRSS now, VmHWM = peak).
A process that is gone counts 0.
Usage: rss.py PID...
"""
import json
import sys


def status_kb(pid, field):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


pids = sys.argv[1:]
print(json.dumps({"rss_kb": sum(status_kb(p, "VmRSS") for p in pids),
                  "hwm_kb": sum(status_kb(p, "VmHWM") for p in pids), "pids": len(pids)}))
