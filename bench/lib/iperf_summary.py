# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reduce an iperf3 -J report (stdin) to JSON {"bps", "bytes", "seconds"} as received by the far end and the iperf3
client's CPU seconds ("client_cpu_s"), or {"error"}.
Usage: iperf3 -J ... | iperf_summary.py
"""
import json
import sys

try:
    report = json.load(sys.stdin)
except ValueError as e:
    print(json.dumps({"error": "iperf3 printed no JSON: %s" % e}))
    sys.exit(1)
if "error" in report:
    print(json.dumps({"error": report["error"]}))
    sys.exit(1)
received = report["end"]["sum_received"]
# iperf3's own CPU (user + system over the test's wall time, in percent): the client's share of the cost.
cpu_percent = report["end"].get("cpu_utilization_percent", {}).get("host_total", 0.0)
print(json.dumps({"bps": received["bits_per_second"], "bytes": received["bytes"], "seconds": received["seconds"],
                  "client_cpu_s": cpu_percent / 100 * report["end"]["sum_sent"]["seconds"]}))
