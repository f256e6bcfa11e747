# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reduce an iperf3 -J report (stdin) to JSON {"bps", "bytes"} as received by the far end, or {"error"}.
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
print(json.dumps({"bps": received["bits_per_second"], "bytes": received["bytes"]}))
