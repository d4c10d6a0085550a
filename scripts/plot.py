#!/usr/bin/env python3
"""Charts from a zc-bench/1 results file (PNG and SVG), for people.

    scripts/plot.py RESULTS.json [-o DIR]

Writes, into DIR (default: the folder of RESULTS.json), files named after
the results file:
  <stem>-throughput   median throughput per run, error bars min..max of the repetitions
  <stem>-cpu          CPU ns per byte, sender and receiver stacked
  <stem>-copies       the ledger's CPU and DMA copies (model) beside the measured
                      bytes copied to/from user memory per byte moved
  <stem>-chunk        throughput against chunk size (only when chunk sizes were swept)
Every chart is titled with the machine's CPU model and kernel. Only runs with
status "ok" are drawn; the others are named in a footnote.
Exit status: 0 charts written; 1 nothing to plot; 2 unreadable input.
"""
import argparse
import json
import math
import os
import stat
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
except ImportError as e:
    # Debian's python3-matplotlib lives in the system interpreter; a python3
    # earlier on PATH (pyenv, a venv) may lack it.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
            and not os.environ.get("ZC_PLOT_REEXEC"):
        os.environ["ZC_PLOT_REEXEC"] = "1"
        os.execv(system, [system] + sys.argv)
    # One clear line; `zc-bench plot` relays it.
    sys.exit(f"plot.py: matplotlib is not installed ({e}); install python3-matplotlib")

# SVG text stays text: searchable, selectable, smaller.
plt.rcParams["svg.fonttype"] = "none"

SENDER, RECEIVER = "#1f77b4", "#ff7f0e"
CPU, DMA = "#d62728", "#7f7f7f"
TO_USER, FROM_USER = "#9467bd", "#2ca02c"


def fail(msg, status=2):
    print(f"plot.py: {msg}", file=sys.stderr)
    sys.exit(status)


# --- Input checks: everything the charts read is checked here, before any
# drawing, so bad input is one line naming the file and the field (exit 2),
# never a hang, an unbounded read or a traceback.

# A results file of thousands of runs is tens of MB; anything past this is
# not one (e.g. /dev/zero, a runaway log).
MAX_RESULTS_BYTES = 256 << 20


def read_results_text(path):
    """The file's text: a regular file (a FIFO would block, a device never
    end), read up to MAX_RESULTS_BYTES."""
    try:
        st = os.stat(path)
    except OSError as e:
        fail(f"'{path}': {e.strerror}")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        fail(f"'{path}' is {kind}, not a results file")
    if st.st_size > MAX_RESULTS_BYTES:
        fail(f"'{path}' is {st.st_size >> 20} MiB, larger than a results file can be "
             f"({MAX_RESULTS_BYTES >> 20} MiB)")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat,
        # opening it does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                fail(f"'{path}' is not a regular file")
            data = f.read(MAX_RESULTS_BYTES + 1)
    except OSError as e:
        fail(f"'{path}': {e.strerror}")
    if len(data) > MAX_RESULTS_BYTES:
        fail(f"'{path}' is larger than a results file can be ({MAX_RESULTS_BYTES >> 20} MiB)")
    return data


def check_fields(path, doc):
    """Fails on the first field the charts need that is missing or of the
    wrong type, naming it (runs[3].parameters.size)."""
    def kind_of(v):
        return {dict: "an object", list: "an array", str: "a string", bool: "true/false",
                type(None): "null"}.get(type(v), "a number")

    def need(obj, key, want, where, optional=False):
        if key not in obj:
            if optional:
                return None
            fail(f"'{path}': {where}{key} is missing")
        v = obj[key]
        ok = {"object": isinstance(v, dict), "array": isinstance(v, list),
              "string": isinstance(v, str),
              "number": isinstance(v, (int, float)) and not isinstance(v, bool),
              "number or null": v is None or (isinstance(v, (int, float))
                                               and not isinstance(v, bool)),
              "size": isinstance(v, int) and not isinstance(v, bool) and v > 0}[want]
        if not ok:
            shown = {"object": "an object", "array": "an array", "string": "a string",
                     "number": "a number", "number or null": "a number or null",
                     "size": "a positive integer"}[want]
            fail(f"'{path}': {where}{key} must be {shown}, not {kind_of(v)}")
        return v

    if not isinstance(doc, dict) or doc.get("schema") != "zc-bench/1":
        fail(f"'{path}': not a zc-bench/1 results document (schema)")
    need(doc, "environment", "object", "", optional=True)
    for i, run in enumerate(need(doc, "runs", "array", "")):
        where = f"runs[{i}]."
        if not isinstance(run, dict):
            fail(f"'{path}': runs[{i}] must be an object, not {kind_of(run)}")
        need(run, "name", "string", where)
        if need(run, "status", "string", where) != "ok":
            continue
        need(run, "strategy", "string", where)
        for key in ("sink", "receiver"):
            need(run, key, "string", where, optional=True)
        params = need(run, "parameters", "object", where)
        need(params, "size", "size", where + "parameters.")
        need(params, "repetitions", "number", where + "parameters.")
        need(params, "chunk", "size", where + "parameters.", optional=True)
        ledger = need(run, "ledger", "object", where)
        for key in ("cpu_copies", "dma_copies"):
            need(ledger, key, "number", where + "ledger.")
        for key in ("copies_to_user", "copies_from_user"):
            need(ledger, key, "number", where + "ledger.", optional=True)
        for key, m in need(run, "metrics", "object", where).items():
            if not isinstance(m, dict):
                fail(f"'{path}': {where}metrics.{key} must be an object, not {kind_of(m)}")
            for stat_name in ("median", "min", "max"):
                need(m, stat_name, "number or null", f"{where}metrics.{key}.", optional=True)


def load(path):
    """The results document, checked (see check_fields)."""
    data = read_results_text(path)
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        fail(f"'{path}': not valid JSON (not UTF-8 text)")
    except json.JSONDecodeError as e:
        fail(f"'{path}': not valid JSON ({e.msg} at line {e.lineno})")
    except RecursionError:
        fail(f"'{path}': not valid JSON (nested too deeply)")
    check_fields(path, doc)
    return doc

# --- End of input checks.


def median(run, key):
    """The metric's median, or None when it was not measured."""
    m = run["metrics"].get(key)
    if not m or not m.get("available") or m.get("median") is None:
        return None
    return m["median"]


def spread(run, key):
    m = run["metrics"][key]
    return m.get("min", m["median"]), m.get("max", m["median"])


def fmt_size(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


class Labeller:
    """Short run labels: strategy/sink plus only the parameters that vary."""

    def __init__(self, runs):
        def values(f):
            return {f(r) for r in runs}

        self.parts = [
            ("sink", lambda r: r.get("sink", "")),
            ("size", lambda r: fmt_size(r["parameters"]["size"])),
            ("chunk", lambda r: fmt_size(r["parameters"].get("chunk", 0))),
            ("cache", lambda r: r["parameters"].get("cache", "")),
            ("qd", lambda r: str(r["parameters"].get("queue_depth", ""))),
            ("rcv", lambda r: r.get("receiver", "")),
        ]
        self.varying = {name for name, f in self.parts if len(values(f)) > 1}
        self.varying.add("sink")  # the sink always matters to the reading

    def __call__(self, run, skip=()):
        text = run["strategy"]
        for name, f in self.parts:
            if name in self.varying and name not in skip and f(run):
                text += ("/" if name == "sink" else f" {name}:") + f(run)
        if not run.get("verified"):
            text += " (unverified)"
        return text


def title(doc, what):
    env = doc.get("environment", {})
    machine = f"{env.get('cpu_model', '?')} ({env.get('cores', '?')} cores)"
    kernel = env.get("kernel_release", "?")
    return f"{what}\n{machine}, Linux {kernel}, zc-bench {env.get('git_commit', '?')}"


def finish(fig, ax, doc, what, path_stem, footnotes):
    ax.set_title(title(doc, what), fontsize=10)
    if footnotes:
        fig.text(0.01, 0.005, "\n".join(footnotes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(footnotes), 1, 1))
    written = []
    for ext in ("png", "svg"):
        path = f"{path_stem}.{ext}"
        fig.savefig(path, dpi=120)
        written.append(path)
    plt.close(fig)
    return written


def bar_figure(n):
    return plt.subplots(figsize=(12, max(3.2, 1.3 + 0.38 * n)))


def outside_legend(ax):
    """Right of the axes: bars of any length stay readable."""
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)


def plot_throughput(doc, runs, label, stem, notes):
    runs = [r for r in runs if median(r, "throughput_bytes_per_s") is not None]
    if not runs:
        return []
    fig, ax = bar_figure(len(runs))
    y = range(len(runs))
    med = [median(r, "throughput_bytes_per_s") / 1e6 for r in runs]
    lo = [m - spread(r, "throughput_bytes_per_s")[0] / 1e6 for m, r in zip(med, runs)]
    hi = [spread(r, "throughput_bytes_per_s")[1] / 1e6 - m for m, r in zip(med, runs)]
    bars = ax.barh(y, med, xerr=[lo, hi], capsize=3, color=SENDER,
                   error_kw={"ecolor": "#333", "elinewidth": 1})
    for b, r in zip(bars, runs):
        if not r.get("verified"):
            b.set_hatch("//")
    ax.set_yticks(list(y), [label(r) for r in runs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("MB/s (10^6 bytes/s): median, bars min..max of the repetitions")
    ax.bar_label(bars, labels=[f"{m:,.0f}" for m in med], padding=4, fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    reps = runs[0]["parameters"]["repetitions"]
    return finish(fig, ax, doc, f"Throughput per run ({reps} repetitions)", stem + "-throughput", notes)


def plot_cpu(doc, runs, label, stem, notes):
    runs = [r for r in runs if median(r, "sender_cpu_ns_per_byte") is not None]
    if not runs:
        return []
    fig, ax = bar_figure(len(runs))
    y = list(range(len(runs)))
    snd = [median(r, "sender_cpu_ns_per_byte") for r in runs]
    rcv = [median(r, "receiver_cpu_ns_per_byte") for r in runs]
    ax.barh(y, snd, color=SENDER, label="sender (RUSAGE_THREAD)")
    ax.barh(y, [v or 0 for v in rcv], left=snd, color=RECEIVER,
            label="receiver process (includes hashing every byte)")
    for i, (s, v) in enumerate(zip(snd, rcv)):
        text = f"{s + (v or 0):.3f}" + ("" if v is not None else "  (no receiver process)")
        ax.text(s + (v or 0), i, " " + text, va="center", fontsize=7)
    ax.set_yticks(y, [label(r) for r in runs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("CPU ns per byte moved (median; rusage)")
    outside_legend(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0, max(s + (v or 0) for s, v in zip(snd, rcv)) * 1.35 or 1)
    return finish(fig, ax, doc, "CPU per byte, sender and receiver", stem + "-cpu", notes)


def plot_copies(doc, runs, label, stem, notes):
    # One row per strategy and sink (copies do not depend on size or chunk),
    # the first run of each standing for the group.
    seen, rows = set(), []
    for r in runs:
        key = (r["strategy"], r.get("sink"), r.get("receiver"), r["parameters"].get("cache"))
        if key not in seen:
            seen.add(key)
            rows.append(r)
    fig, ax = bar_figure(len(rows) * 1.6)
    h = 0.38
    y = list(range(len(rows)))
    ledger = [r["ledger"] for r in rows]
    cpu = [l["cpu_copies"] for l in ledger]
    dma = [l["dma_copies"] for l in ledger]
    ax.barh([i - h / 2 for i in y], cpu, h, color=CPU, label="model: CPU copies (ledger)")
    ax.barh([i - h / 2 for i in y], dma, h, left=cpu, color=DMA, label="model: DMA copies (ledger)")
    size = [r["parameters"]["size"] for r in rows]
    to_user = [(median(r, "bytes_copied_to_user") or 0) / s for r, s in zip(rows, size)]
    from_user = [(median(r, "bytes_copied_from_user") or 0) / s for r, s in zip(rows, size)]
    ax.barh([i + h / 2 for i in y], to_user, h, color=TO_USER,
            label="measured: bytes copied into user memory per byte (exact)")
    ax.barh([i + h / 2 for i in y], from_user, h, left=to_user, color=FROM_USER,
            label="measured: bytes copied out of user memory per byte (exact)")
    # The model's own count of user/kernel crossings, to read against the measure.
    model_cross = [l.get("copies_to_user", 0) + l.get("copies_from_user", 0) for l in ledger]
    ax.scatter(model_cross, [i + h / 2 for i in y], marker="|", s=300, color="black", zorder=3,
               label="model: copies across the user/kernel boundary")
    ax.set_yticks(y, [label(r, skip=("size", "chunk", "qd")) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("copies of each byte")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    outside_legend(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0, max(max(c + d for c, d in zip(cpu, dma)), max(model_cross), 1) + 0.5)
    return finish(fig, ax, doc, "Copies per byte: the ledger (model) beside the measured evidence",
                  stem + "-copies", notes)


def plot_chunks(doc, runs, label, stem, notes):
    chunks = {r["parameters"].get("chunk") for r in runs}
    if len(chunks) < 2:
        return []
    # One panel per sink: loopback TCP and /dev/null differ by an order of
    # magnitude and would flatten each other on one axis.
    panels = {}
    for r in runs:
        if median(r, "throughput_bytes_per_s") is not None:
            panels.setdefault(r.get("sink", ""), {}).setdefault(
                label(r, skip=("chunk", "sink")), []).append(r)
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 1.2 + 3.6 * len(panels)),
                             sharex=True, squeeze=False)
    for ax, (sink, series) in zip(axes[:, 0], panels.items()):
        for name, rs in series.items():
            rs.sort(key=lambda r: r["parameters"]["chunk"])
            x = [r["parameters"]["chunk"] for r in rs]
            med = [median(r, "throughput_bytes_per_s") / 1e6 for r in rs]
            lo = [m - spread(r, "throughput_bytes_per_s")[0] / 1e6 for m, r in zip(med, rs)]
            hi = [spread(r, "throughput_bytes_per_s")[1] / 1e6 - m for m, r in zip(med, rs)]
            ax.errorbar(x, med, yerr=[lo, hi], marker="o", capsize=3, label=name)
        ax.set_xscale("log", base=2)
        ax.set_ylabel(f"{sink or 'log'} sink: MB/s" if sink else "MB/s")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        outside_legend(ax)
    ax = axes[-1, 0]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_size(int(v)) if v >= 1 else ""))
    ax.set_xticks(sorted(chunks))
    ax.set_xlabel("chunk size (bytes per call); points: median, bars: min..max of the repetitions")
    axes[0, 0].set_title(title(doc, "Throughput against chunk size"), fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    written = []
    for ext in ("png", "svg"):
        fig.savefig(f"{stem}-chunk.{ext}", dpi=120)
        written.append(f"{stem}-chunk.{ext}")
    plt.close(fig)
    return written


def main():
    ap = argparse.ArgumentParser(description="Charts (PNG and SVG) from a zc-bench/1 results file.")
    ap.add_argument("results", help="a zc-bench/1 JSON file (zc-bench run -o FILE)")
    ap.add_argument("-o", "--output-dir", help="folder for the charts (default: next to the JSON)")
    args = ap.parse_args()

    doc = load(args.results)
    out_dir = args.output_dir or os.path.dirname(os.path.abspath(args.results))
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        fail(f"-o: '{out_dir}': {e.strerror}")
    if not os.access(out_dir, os.W_OK):
        fail(f"-o: '{out_dir}' is not writable")
    stem = os.path.join(out_dir, os.path.splitext(os.path.basename(args.results))[0])

    all_runs = doc.get("runs", [])
    runs = [r for r in all_runs if r.get("status") == "ok"]
    if not runs:
        fail(f"'{args.results}': no run with status ok to plot", 1)
    notes = [f"{r['name']}: {r['status']}: {r.get('reason', '')}"[:160]
             for r in all_runs if r.get("status") != "ok"]
    if len(notes) > 6:
        notes = notes[:5] + [f"... and {len(notes) - 5} more runs not ok (see the JSON)"]
    if not doc.get("complete", True):
        notes.insert(0, f"INCOMPLETE: {doc.get('incomplete_reason', '')}")

    label = Labeller(runs)
    written = []
    for plot in (plot_throughput, plot_cpu, plot_copies, plot_chunks):
        written += plot(doc, runs, label, stem, notes)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
