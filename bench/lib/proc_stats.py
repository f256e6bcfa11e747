# SPDX-License-Identifier: LGPL-2.1-or-later
"""CPU time and peak RSS of a process and of it plus all its descendants, from /proc.

Prints JSON {"cpu_s_self", "cpu_s_tree", "rss_peak_kb_self", "rss_peak_kb_tree"}. The tree counts the
client's ssh child, whose encryption is part of the cost of every mode. (CPU of children that already exited
is not seen; the bench samples while the tunnel is up.)
Usage: proc_stats.py PID
"""
import json
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the ')' of comm: state is field 3, ppid 4, utime 14, stime 15 (1-based in proc(5)).
    return int(fields[1]), int(fields[11]) + int(fields[12])


def peak_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main(root):
    children = {}
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, cpu = read_stat(int(entry))
        except (OSError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        ticks[int(entry)] = cpu
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    rss = {}
    for pid in tree:
        try:
            rss[pid] = peak_rss_kb(pid)
        except OSError:
            rss[pid] = 0
    print(json.dumps({"cpu_s_self": ticks.get(root, 0) / TICKS,
                      "cpu_s_tree": sum(ticks.get(p, 0) for p in tree) / TICKS,
                      "rss_peak_kb_self": rss.get(root, 0), "rss_peak_kb_tree": sum(rss.values())}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
