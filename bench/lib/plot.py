# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bench's picture, from the JSON report.py wrote: throughput and echo p99 under load per mode at the lab's
own RTT (~0) and over the long link, and the distribution of the echo RTT under load.

Bars are medians over the rounds, whiskers the min-max range. The RTT distributions are, per percentile, the
median over the rounds of that percentile.
Usage: plot.py REPORT_JSON OUT_PNG
"""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write a file
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

MODES = ["ours", "ours-libssh2", "ours-ctr", "ours-mux", "ours-nolowat", "upstream", "sshL", "sshL-gcm", "sshL-ctr"]
LABELS = {"ours": "ours (-e ssh)", "ours-libssh2": "ours (libssh2)", "ours-ctr": "ours (-e ssh, aes128-ctr)",
          "ours-mux": "ours (-e ssh, --no-ssh-forwarding)", "ours-nolowat": "ours (-e ssh, no TCP_NOTSENT_LOWAT)",
          "upstream": "upstream sshuttle", "sshL": "ssh -L", "sshL-gcm": "ssh -L (aes128-gcm)",
          "sshL-ctr": "ssh -L (aes128-ctr)"}


def bars(ax, report, modes, groups, ylabel, title, log=False):
    """Grouped bars: one group per (metric, label), one bar per mode, whiskers from the spread."""
    width = 0.8 / max(1, len(modes))
    for i, mode in enumerate(modes):
        metrics, spread = report["metrics"][mode], report["spread"].get(mode, {})
        xs, heights, low, high = [], [], [], []
        for g, (key, _) in enumerate(groups):
            value = metrics.get(key)
            if value is None:
                continue
            lo, hi = spread.get(key, [value, value])
            xs.append(g + (i - (len(modes) - 1) / 2) * width)
            heights.append(value)
            low.append(value - lo)
            high.append(hi - value)
        ax.bar(xs, heights, width, yerr=[low, high], capsize=2, label=LABELS.get(mode, mode))
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([label for _, label in groups], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if log:
        ax.set_yscale("log")
        plain_numbers(ax.yaxis)
    ax.grid(axis="y", alpha=0.3)


def plain_numbers(axis):
    """Log axes labelled 1, 2, 5, 10, 20, 50 ... rather than 2x10^1."""
    axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def median_cdf(rounds, key):
    curves = [r.get(key, {}).get("cdf_ms") for r in rounds if isinstance(r.get(key), dict)]
    curves = [c for c in curves if c]
    if not curves:
        return None
    return [statistics.median(c[i] for c in curves) for i in range(len(curves[0]))]


def main(report_path, out_path):
    with open(report_path) as f:
        report = json.load(f)
    modes = [m for m in MODES if m in report["metrics"]]
    rtt_ms = 2 * report.get("settings", {}).get("delay_ms_each_way", 0)
    fig, axes = plt.subplots(1, 3, figsize=(19, 5.5))
    bars(axes[0], report, modes,
         [("bulk_up_mbps", "~0 ms\n1 up"), ("bulk_down_mbps", "~0 ms\n1 down"),
          ("long_up1_mbps", "%d ms\n1 up" % rtt_ms), ("long_down1_mbps", "%d ms\n1 down" % rtt_ms),
          ("long_up8_mbps", "%d ms\n8 up" % rtt_ms), ("long_down8_mbps", "%d ms\n8 down" % rtt_ms)],
         "Mbit/s (log)", "Throughput by RTT and streams (iperf3)", log=True)
    bars(axes[1], report, modes,
         [("rtt_load_up_p99_ms", "~0 ms\nupload"), ("rtt_load_down_p99_ms", "~0 ms\ndownload"),
          ("rtt_load_down8_p99_ms", "~0 ms\n8 down"), ("long_up1_p99_ms", "%d ms\n1 up" % rtt_ms),
          ("long_down1_p99_ms", "%d ms\n1 down" % rtt_ms), ("long_down8_p99_ms", "%d ms\n8 down" % rtt_ms)],
         "ms (log)", "Echo RTT p99 while a bulk transfer runs", log=True)
    ax = axes[2]
    for i, mode in enumerate(modes):
        color = "C%d" % i
        for key, style, what in (("rtt_load_down", "-", "~0 ms, download"),
                                 ("rtt_load_long_down8", "--", "%d ms, 8 down" % rtt_ms)):
            cdf = median_cdf(report["raw"][mode], key)
            if cdf:
                ax.plot(cdf, [p / 100 for p in range(len(cdf))], style, color=color,
                        label="%s, %s" % (LABELS.get(mode, mode), what))
    ax.set_xscale("log")
    plain_numbers(ax.xaxis)
    ax.set_xlabel("echo RTT, ms (log)")
    ax.set_ylabel("fraction of requests")
    ax.set_title("RTT distribution under load", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    axes[0].legend(fontsize=8)
    fig.suptitle("sshuttle bench %s, %s round(s)" % (report.get("time_utc", ""),
                                                     report.get("settings", {}).get("rounds", "?")))
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
