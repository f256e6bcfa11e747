# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn the per-mode measurements of bench/run.sh into a table with ratios, target checks and one JSON file.

RESULTS_DIR holds settings.json and one folder per mode (ours, ours-libssh2, ours-ctr, upstream, sshL...) with one
folder per round (round1, round2, ...) of one JSON value per metric file. Each metric is reported as the median
over the rounds, with its spread (min and max); the table shows the spread as +-half the range in percent of the
median. Ratios are of medians.
Usage: report.py OUT_JSON RESULTS_DIR
"""
import json
import os
import statistics
import sys
import time

MODES = ["ours", "ours-libssh2", "ours-ctr", "ours-mux", "ours-nolowat", "upstream", "sshL", "sshL-gcm", "sshL-ctr"]
# Ratio columns: (heading, numerator mode, denominator mode).
RATIOS = [("ours/sshL", "ours", "sshL"), ("ours/upstream", "ours", "upstream"),
          ("libssh2/ours", "ours-libssh2", "ours"), ("libssh2/ours-ctr", "ours-libssh2", "ours-ctr"),
          ("ours/sshL-gcm", "ours", "sshL-gcm"), ("libssh2/sshL-ctr", "ours-libssh2", "sshL-ctr"),
          ("ours/ours-mux", "ours", "ours-mux"), ("ours/ours-nolowat", "ours", "ours-nolowat")]
# The ssh -L mode that runs the cipher a mode of ours negotiated (by the start of its cipher name).
SAME_CIPHER_SSHL = [("aes128-gcm", "sshL-gcm"), ("aes128-ctr", "sshL-ctr"), ("chacha20", "sshL")]
LOADS = ["up", "down", "down8"]              # under load at the lab's own RTT (~0)
LONG = ["up1", "down1", "up8", "down8"]      # over the delay relay


def round_folders(folder):
    rounds = sorted((n for n in os.listdir(folder) if n.startswith("round")), key=lambda n: int(n[5:]))
    return [os.path.join(folder, n) for n in rounds] or [folder]


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
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    value = value.get(field) if isinstance(value, dict) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def mbps(raw, key):
    bps = get(raw, key, "bps")
    return None if bps is None else bps / 1e6


def diff(raw, before, after, field):
    a, b = get(raw, before, field), get(raw, after, field)
    return None if a is None or b is None else b - a


def cpu_per_gb(raw, name):
    """CPU seconds per GB moved by one transfer: the whole machine's busy time (/proc/stat), and the lab's own
    processes (every process in its namespaces, plus the iperf3 client, which is gone by the second sample)."""
    moved = get(raw, name, "bytes")
    if not moved:
        return None, None
    busy = diff(raw, "cpu_before_" + name, "cpu_after_" + name, "busy_s")
    before, after = raw.get("lab_cpu_before_" + name), raw.get("lab_cpu_after_" + name)
    lab = None
    if isinstance(before, dict) and isinstance(after, dict):
        lab = sum(v - before.get(pid, 0.0) for pid, v in after.items()) + (get(raw, name, "client_cpu_s") or 0.0)
    return (None if busy is None else busy / (moved / 1e9)), (None if lab is None else lab / (moved / 1e9))


def per_connection_kb(raw, who, n):
    grown = diff(raw, "rss_%s_before_idle" % who, "rss_%s_with_idle" % who, "rss_kb")
    return None if grown is None or not n else grown / n


def metrics(raw, settings):
    m = {}
    cipher = raw.get("cipher")
    m["cipher"] = cipher if isinstance(cipher, str) else None
    m["ssh_true_s"] = get(raw, "ssh_true_s")
    m["ttfb_cold_s"] = get(raw, "ttfb_cold_s")
    m["ttfb_warm_s"] = get(raw, "ttfb_warm_s")
    if None not in (m["ttfb_warm_s"], m["ssh_true_s"]):
        m["start_minus_ssh_true_s"] = m["ttfb_warm_s"] - m["ssh_true_s"]
    for d in ("up", "down"):
        m["bulk_%s_mbps" % d] = mbps(raw, "bulk_" + d)
        m["cpu_s_per_gb_%s" % d], m["cpu_s_per_gb_%s_lab_only" % d] = cpu_per_gb(raw, "bulk_" + d)
    bg_busy = diff(raw, "cpu_before_background", "cpu_after_background", "busy_s")
    bg_wall = diff(raw, "cpu_before_background", "cpu_after_background", "wall_s")
    m["background_cpus_busy"] = bg_busy / bg_wall if bg_busy is not None and bg_wall else None
    m["rtt_idle_p50_ms"] = get(raw, "rtt_idle", "p50_ms")
    m["rtt_idle_p99_ms"] = get(raw, "rtt_idle", "p99_ms")
    for k in LOADS:
        m["rtt_load_%s_p50_ms" % k] = get(raw, "rtt_load_" + k, "p50_ms")
        m["rtt_load_%s_p99_ms" % k] = get(raw, "rtt_load_" + k, "p99_ms")
        m["load_%s_mbps" % k] = mbps(raw, "load_" + k)
        moved = get(raw, "load_" + k, "bytes")
        m["load_%s_mb_moved" % k] = None if moved is None else moved / 1e6
    n = settings.get("concurrency")
    m["conc_failed"] = get(raw, "scale", "failed")
    m["conc_total_s"] = get(raw, "scale", "total_s")
    for who in ("client", "client_tree", "server"):
        m["kb_per_idle_conn_%s" % who] = per_connection_kb(raw, who, n)
        # No live process left (upstream's server dies under the concurrency test; zombies have no VmHWM) is no
        # measurement, not 0 MB.
        hwm = get(raw, "rss_%s_end" % who, "hwm_kb") or None
        m["rss_peak_mb_%s" % who] = None if hwm is None else hwm / 1024
    m["long_idle_rtt_p50_ms"] = get(raw, "rtt_long_idle", "p50_ms")
    for k in LONG:
        m["long_%s_mbps" % k] = mbps(raw, "load_long_" + k)
        m["long_%s_p99_ms" % k] = get(raw, "rtt_load_long_" + k, "p99_ms")
        m["relay_cpu_%s" % k] = get(raw, "relay_cpu_long_" + k)
    return m


def summarize(per_round):
    """Per metric: the median over the rounds that measured it, and the spread [min, max]."""
    medians, spreads = {}, {}
    keys = []
    for m in per_round:
        keys += [k for k in m if k not in keys]
    for key in keys:
        values = [r.get(key) for r in per_round if r.get(key) is not None]
        if values and isinstance(values[0], str):
            medians[key] = " / ".join(sorted(set(values)))
        elif values:
            medians[key] = statistics.median(values)
            spreads[key] = [min(values), max(values)]
        else:
            medians[key] = None
    return medians, spreads


def ratio(a, b):
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return None
    return a / b


def fmt(value, spread=None):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    text = "%d" % value if isinstance(value, int) else "%.3g" % value
    if spread and value and spread[1] != spread[0]:
        text += " ±%d%%" % round(50 * (spread[1] - spread[0]) / abs(value))
    return text


def target_checks(by_mode, settings):
    ours, libssh2, up, ssh = (by_mode.get(k, {}) for k in ("ours", "ours-libssh2", "upstream", "sshL"))
    ourselves = [(name, by_mode[name]) for name in ("ours", "ours-libssh2") if name in by_mode]
    checks = []

    def check(text, ok):
        checks.append({"target": text, "ok": ok})

    if libssh2:
        for d in ("up", "down"):
            r = ratio(libssh2.get("bulk_%s_mbps" % d), ours.get("bulk_%s_mbps" % d))
            check("libssh2 transport bulk %s >= 1.0x the ssh command transport (ratio %s)" % (d, fmt(r)),
                  None if r is None else r >= 1.0)
    # Cost per byte (issue 17, target 2): against ssh -L on the same cipher, CPU per GB <= 1.25x and bulk >= 0.9x;
    # and bulk >= 1.0x a default ssh -L (chacha20) where we chose a faster cipher by ourselves.
    for name, m in ourselves:
        cipher = m.get("cipher") or ""
        same = next((mode for prefix, mode in SAME_CIPHER_SSHL if cipher.startswith(prefix)), None)
        base = by_mode.get(same, {}) if same else {}
        for d in ("up", "down"):
            r = ratio(m.get("cpu_s_per_gb_%s" % d), base.get("cpu_s_per_gb_%s" % d))
            check("%s: CPU per GB %s <= 1.25x %s on the same cipher (%s; ratio %s)"
                  % (name, d, same or "ssh -L", cipher or "?", fmt(r)), None if r is None else r <= 1.25)
            r = ratio(m.get("bulk_%s_mbps" % d), base.get("bulk_%s_mbps" % d))
            check("%s: bulk %s >= 0.9x %s on the same cipher (ratio %s)" % (name, d, same or "ssh -L", fmt(r)),
                  None if r is None else r >= 0.9)
            if same and same != "sshL":
                r = ratio(m.get("bulk_%s_mbps" % d), ssh.get("bulk_%s_mbps" % d))
                check("%s: bulk %s >= 1.0x a default ssh -L (ratio %s)" % (name, d, fmt(r)),
                      None if r is None else r >= 1.0)
    # Long links (target 3): 8 streams >= 0.9x ssh -L, one stream >= 1.0x, up and down.
    for name, m in ourselves:
        for k, floor in (("up1", 1.0), ("down1", 1.0), ("up8", 0.9), ("down8", 0.9)):
            r = ratio(m.get("long_%s_mbps" % k), ssh.get("long_%s_mbps" % k))
            check("%s: long link %s >= %sx ssh -L (%s vs %s Mbit/s; ratio %s)"
                  % (name, k, floor, fmt(m.get("long_%s_mbps" % k)), fmt(ssh.get("long_%s_mbps" % k)), fmt(r)),
                  None if r is None else r >= floor)
    for name, m in ourselves:
        for k in LOADS:
            p99, p99_up = m.get("rtt_load_%s_p99_ms" % k), up.get("rtt_load_%s_p99_ms" % k)
            moved, moved_up = m.get("load_%s_mb_moved" % k), up.get("load_%s_mb_moved" % k)
            ok = None
            if None not in (p99, p99_up, moved, moved_up):
                ok = p99 <= p99_up and moved >= 10 * moved_up
            check("%s: p99 RTT under load (%s) <= upstream's (%s vs %s ms) while moving >= 10x its bytes (%s)"
                  % (name, k, fmt(p99), fmt(p99_up), fmt(ratio(moved, moved_up))), ok)
            p99_ssh = ssh.get("rtt_load_%s_p99_ms" % k)
            check("%s: p99 RTT under load (%s) <= ssh -L's (%s vs %s ms)" % (name, k, fmt(p99), fmt(p99_ssh)),
                  None if None in (p99, p99_ssh) else p99 <= p99_ssh)
        failed = m.get("conc_failed")
        asked, measured = settings.get("concurrency_asked"), settings.get("concurrency")
        capped = "" if asked == measured else " - capped from %s by the fd hard limit %s" % (
            asked, settings.get("fd_hard_limit"))
        check("%s: %s concurrent connections with zero failures (%s failed%s)"
              % (name, measured, fmt(failed), capped), None if failed is None else failed == 0)
        extra = m.get("start_minus_ssh_true_s")
        check("%s: start to first byte <= ssh host true + 0.15 s (warm: %s s; minus ssh host true: %s s)"
              % (name, fmt(m.get("ttfb_warm_s")), fmt(extra)), None if extra is None else extra <= 0.15)
    # The relay must not be what limits the long link: its one thread must have had time to spare.
    relay = [m.get("relay_cpu_%s" % k) for m in by_mode.values() for k in LONG]
    relay = [v for v in relay if v is not None]
    if relay:
        r8 = ratio(ssh.get("long_down8_mbps"), ssh.get("bulk_down_mbps"))
        check("delay relay not the bottleneck: at most %s of a CPU busy (< 0.7); ssh -L 8 streams down at %d ms RTT "
              "= %s x its rate at ~0 ms" % (fmt(max(relay)), 2 * settings.get("delay_ms_each_way", 0), fmt(r8)),
              max(relay) < 0.7)
    return checks


def print_table(by_mode, spread_by_mode):
    keys = []
    for m in by_mode.values():
        keys += [k for k in m if k not in keys]
    header = ["metric"] + [m for m in MODES if m in by_mode] + [r[0] for r in RATIOS
                                                                if r[1] in by_mode and r[2] in by_mode]
    modes = [m for m in MODES if m in by_mode]
    ratios = [r for r in RATIOS if r[1] in by_mode and r[2] in by_mode]
    rows = [header]
    for key in keys:
        rows.append([key] + [fmt(by_mode[m].get(key), spread_by_mode[m].get(key)) for m in modes]
                    + [fmt(ratio(by_mode[a].get(key), by_mode[b].get(key))) for _, a, b in ratios])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def main(out_path, results_dir):
    try:
        with open(os.path.join(results_dir, "settings.json")) as f:
            settings = json.load(f)
    except (OSError, ValueError):
        settings = {}
    raw_by_mode = {m: [load_round(f) for f in round_folders(os.path.join(results_dir, m))] for m in MODES
                   if os.path.isdir(os.path.join(results_dir, m))}
    by_mode, spread_by_mode = {}, {}
    for mode, rounds in raw_by_mode.items():
        by_mode[mode], spread_by_mode[mode] = summarize([metrics(raw, settings) for raw in rounds])
    rounds = max((len(r) for r in raw_by_mode.values()), default=0)
    print("medians over %d round(s); ±: half the range over the rounds, in %% of the median" % rounds)
    print_table(by_mode, spread_by_mode)
    checks = target_checks(by_mode, settings)
    print()
    for c in checks:
        print("%-4s %s" % ({True: "MET", False: "MISS", None: "N/A"}[c["ok"]], c["target"]))
    with open(out_path, "w") as f:
        json.dump({"time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "settings": settings,
                   "metrics": by_mode, "spread": spread_by_mode, "targets": checks, "raw": raw_by_mode}, f,
                  indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
