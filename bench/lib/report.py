# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn the per-mode measurements of bench/run.sh into a table with ratios, target checks and one JSON file.

RESULTS_DIR holds one folder per mode (ours, ours-libssh2, ours-ctr, upstream, sshL) with one JSON value per
metric file, or with one such folder per round (round1, round2, ...): each metric is then the median over the
rounds, since one round on a small machine can be off by 10-20%.
Usage: report.py OUT_JSON RESULTS_DIR
"""
import json
import os
import sys
import time

import statistics

MODES = ["ours", "ours-libssh2", "ours-ctr", "upstream", "sshL"]
# Ratio columns: (heading, numerator mode, denominator mode).
RATIOS = [("ours/sshL", "ours", "sshL"), ("ours/upstream", "ours", "upstream"),
          ("libssh2/ours", "ours-libssh2", "ours"), ("libssh2/ours-ctr", "ours-libssh2", "ours-ctr")]


def round_folders(folder):
    rounds = sorted((n for n in os.listdir(folder) if n.startswith("round")), key=lambda n: int(n[5:]))
    return [os.path.join(folder, n) for n in rounds] or [folder]


def load_mode(folder):
    return [load_round(f) for f in round_folders(folder)]


def median_metrics(per_round):
    """The median of each metric over the rounds that measured it."""
    out = {}
    for m in per_round:
        for key in m:
            if key in out:
                continue
            values = [r.get(key) for r in per_round if r.get(key) is not None]
            out[key] = statistics.median(values) if values else None
    return out


def load_round(folder):
    raw = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            try:
                with open(os.path.join(folder, name)) as f:
                    raw[name[:-5]] = json.load(f)
            except ValueError:
                raw[name[:-5]] = None  # the measurement failed half-way
    return raw


def get(raw, key, field=None):
    value = raw.get(key)
    if field is None:
        return value if isinstance(value, (int, float)) else None
    return value.get(field) if isinstance(value, dict) else None


def mbps(raw, key):
    bps = get(raw, key, "bps")
    return None if bps is None else bps / 1e6


def cpu_per_gb(raw, field):
    before, after = raw.get("stats_before_bulk"), raw.get("stats_after_bulk")
    up, down = get(raw, "bulk_up", "bytes"), get(raw, "bulk_down", "bytes")
    if not (isinstance(before, dict) and isinstance(after, dict) and up and down):
        return None
    return (after[field] - before[field]) / ((up + down) / 1e9)


def metrics(raw):
    m = {
        "ttfb_cold_s": get(raw, "ttfb_cold_s"),
        "ttfb_warm_s": get(raw, "ttfb_warm_s"),
        "bulk_up_mbps": mbps(raw, "bulk_up"),
        "bulk_down_mbps": mbps(raw, "bulk_down"),
        "rtt_idle_p50_ms": get(raw, "rtt_idle", "p50_ms"),
        "rtt_idle_p99_ms": get(raw, "rtt_idle", "p99_ms"),
        "rtt_load_p50_ms": get(raw, "rtt_load", "p50_ms"),
        "rtt_load_p99_ms": get(raw, "rtt_load", "p99_ms"),
        "load_down_mbps": mbps(raw, "load_down"),
        "cpu_s_per_gb_client": cpu_per_gb(raw, "cpu_s_self"),
        "cpu_s_per_gb_with_ssh": cpu_per_gb(raw, "cpu_s_tree"),
    }
    stats = raw.get("stats_end")
    if isinstance(stats, dict):
        m["rss_peak_mb_client"] = stats["rss_peak_kb_self"] / 1024
        m["rss_peak_mb_with_ssh"] = stats["rss_peak_kb_tree"] / 1024
    for key in sorted(raw):
        if key.startswith("concurrency_") and isinstance(raw[key], dict):
            n = key.split("_", 1)[1]
            m["conc_%s_failed" % n] = raw[key]["failed"]
            m["conc_%s_total_s" % n] = raw[key]["total_s"]
    return m


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def fmt(value):
    if value is None:
        return "-"
    return "%d" % value if isinstance(value, int) else "%.3g" % value


def target_checks(by_mode):
    ours, libssh2, up, ssh = (by_mode.get(k, {}) for k in ("ours", "ours-libssh2", "upstream", "sshL"))
    checks = []

    def check(text, ok):
        checks.append({"target": text, "ok": ok})

    if libssh2:
        for d in ("up", "down"):
            r = ratio(libssh2.get("bulk_%s_mbps" % d), ours.get("bulk_%s_mbps" % d))
            check("libssh2 transport bulk %s >= 1.0x the ssh command transport (ratio %s)" % (d, fmt(r)),
                  None if r is None else r >= 1.0)

    for d in ("up", "down"):
        r = ratio(ours.get("bulk_%s_mbps" % d), ssh.get("bulk_%s_mbps" % d))
        check("bulk %s >= 0.9x ssh -L (ratio %s)" % (d, fmt(r)), None if r is None else r >= 0.9)
    p99_ok = None
    if None not in (ours.get("rtt_load_p99_ms"), up.get("rtt_load_p99_ms"), ours.get("load_down_mbps"),
                    up.get("load_down_mbps")):
        p99_ok = (ours["rtt_load_p99_ms"] <= up["rtt_load_p99_ms"]
                  and ours["load_down_mbps"] >= 10 * up["load_down_mbps"])
    check("p99 RTT under load <= upstream's while moving >= 10x its bytes", p99_ok)
    failed = ours.get("conc_10000_failed")
    check("10000 concurrent with zero failures (%s failed)" % fmt(failed), None if failed is None else failed == 0)
    ttfb = ours.get("ttfb_warm_s")
    check("start to first byte < 0.3 s (warm: %s s)" % fmt(ttfb), None if ttfb is None else ttfb < 0.3)
    return checks


def main(out_path, results_dir):
    raw_by_mode = {m: load_mode(os.path.join(results_dir, m)) for m in MODES
                   if os.path.isdir(os.path.join(results_dir, m))}
    by_mode = {m: median_metrics([metrics(raw) for raw in rounds]) for m, rounds in raw_by_mode.items()}
    rounds = max((len(r) for r in raw_by_mode.values()), default=0)
    if rounds > 1:
        print("medians over %d rounds" % rounds)
    keys = []
    for m in by_mode.values():
        keys += [k for k in m if k not in keys]
    header = ["metric"] + MODES + [r[0] for r in RATIOS]
    rows = [header]
    for key in keys:
        value = {m: by_mode.get(m, {}).get(key) for m in MODES}
        rows.append([key] + [fmt(value[m]) for m in MODES] + [fmt(ratio(value[a], value[b])) for _, a, b in RATIOS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    checks = target_checks(by_mode)
    print()
    for c in checks:
        print("%-4s %s" % ({True: "MET", False: "MISS", None: "N/A"}[c["ok"]], c["target"]))
    with open(out_path, "w") as f:
        json.dump({"time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "metrics": by_mode,
                   "targets": checks, "raw": raw_by_mode}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
