#!/usr/bin/env python3
"""Charts from a zc-bench/1 results file (PNG and SVG), for people.

    scripts/plot.py RESULTS.json [-o DIR] [--units MB/s|MiB/s|Gbit/s] [--list-labels]

Writes, into DIR (default: the folder of RESULTS.json), files named after
the results file:
  <stem>-throughput   median throughput per run, coloured by strategy, error bars: the
                      median's interval (95%; min..max with 5 or fewer repetitions,
                      whose real coverage the axis says); when the runs differ by more
                      than 100x, one panel per sink (a panel that still does shows
                      points on a log axis: bar lengths on a log axis mean nothing)
  <stem>-cpu          CPU ns per byte: the run's cpu figure (the measured side's whole
                      process: every thread and io_uring worker; the sender in a
                      transfer, zc-bench in append and ingest) and the receiver
                      process, stacked
  <stem>-copies       like with like: the ledger's copies across the user/kernel
                      boundary on the sending side (model) beside the bytes measured
                      crossing it (exact), per byte moved; the ledger's other hops
                      (the receiver's and in-kernel CPU copies, DMA) in a panel of
                      their own, model only
  <stem>-chunk        throughput against chunk size on a log axis (only when chunk
                      sizes were swept)
  <stem>-kafka        --preset kafka: the four rows of the articles' table (read +
                      write, mmap + write, sendfile with the device's scatter-gather
                      off and on): throughput, sender CPU, bytes handed to the device
                      in linear skbs vs page fragments
  <stem>-append       --preset append (or any seq/random comparison): seq beside
                      random per sync policy, a log axis where the range needs it
  <stem>-pairs        runs from several hosts (zc-bench merge): a matrix per
                      strategy, sender host x receiver (peer), of throughput and of
                      CPU per byte (the sender's whole process)
Runs are labelled by their strategy and only the parameters that differ between
them (sink, nic, receiver, pattern, sync, record, qd, chunk, size, cache,
streams, host, peer; runs still alike by the parts of their names that differ);
the ones all runs share go in the title. Every chart is titled with the
machine's CPU model and kernel. Only runs with status "ok" are drawn; the
others are named in a footnote. --units sets the unit of throughput (default
MB/s, as the tables).
--list-labels prints, as JSON, the labels each chart would draw, and draws
nothing.
Exit status: 0 charts written; 1 nothing to plot; 2 unreadable input.
"""
import argparse
import json
import math
import os
import stat
import sys
import textwrap

try:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.patches
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
# One colour per strategy in the throughput chart.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]

# The unit of throughput (--units): name, factor from bytes/s, meaning.
UNITS = {"MB/s": (1e-6, "10^6 bytes/s"), "MiB/s": (1 / (1 << 20), "2^20 bytes/s"),
         "Gbit/s": (8e-9, "10^9 bits/s")}
UNIT = "MB/s"


def rate(bytes_per_s):
    return bytes_per_s * UNITS[UNIT][0]


def rate_text(v):
    return f"{v:,.2f}" if v < 10 else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
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
            for stat_name in ("median", "min", "max", "ci95_low", "ci95_high"):
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


def role_key(run, role):
    """The run's metric of a role (metrics.<key>.role: "throughput", "cpu",
    ...), whatever its workload names it; None when it has none."""
    for key, m in run.get("metrics", {}).items():
        if isinstance(m, dict) and m.get("role") == role:
            return key
    return None


def median(run, key):
    """The metric's median, or None when it was not measured."""
    m = run["metrics"].get(key) if key else None
    if not m or not m.get("available") or m.get("median") is None:
        return None
    return m["median"]


def spread(run, key):
    """The error bar: the 95% interval of the median (ci95_low..ci95_high;
    with 5 or fewer repetitions that is min..max), or min..max from files
    written before the intervals existed."""
    m = run["metrics"][key]
    low = m.get("ci95_low", m.get("min"))
    high = m.get("ci95_high", m.get("max"))
    return (m["median"] if low is None else low), (m["median"] if high is None else high)


def fmt_size(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def nic_of(run):
    """The egress device's settings: as asked, else the veth's scatter-gather."""
    nic = run["parameters"].get("nic")
    if nic:
        return nic
    if run.get("sink") == "veth":
        sg = run.get("sink_details", {}).get("nic", {}).get("in_effect", {}).get(
            "sg", run.get("egress_scatter_gather", True))
        return "sg=" + ("on" if sg else "off")
    return ""


def is_append(run):
    # ingest runs have records too, and a sink
    if run.get("workload"):
        return run["workload"] == "append"
    return "record" in run["parameters"]


# Every parameter a label may need: (name, value of a run, how it reads).
LABEL_PARTS = [
    ("sink", lambda r: "" if is_append(r) else r.get("sink", ""), "/{}"),
    ("nic", nic_of, " {}"),
    ("receiver", lambda r: r.get("receiver", ""), " rcv:{}"),
    ("pattern", lambda r: r["parameters"].get("pattern", ""), " {}"),
    ("sync", lambda r: r["parameters"].get("sync", ""), " sync:{}"),
    ("record", lambda r: fmt_size(r["parameters"]["record"]) if is_append(r) else "", " record:{}"),
    ("qd", lambda r: str(r["parameters"].get("queue_depth", "")), " qd:{}"),
    ("chunk", lambda r: "" if is_append(r) else fmt_size(r["parameters"].get("chunk", 0)),
     " chunk:{}"),
    ("size", lambda r: fmt_size(r["parameters"]["size"]), " size:{}"),
    ("cache", lambda r: r["parameters"].get("cache", "").replace("n/a", ""), " cache:{}"),
    ("streams", lambda r: str(r["parameters"].get("streams", "")), " streams:{}"),
    ("remote", lambda r: r["parameters"].get("remote", ""), " remote:{}"),
    ("host", lambda r: r.get("host", ""), " @{}"),
    ("peer", lambda r: r.get("peer", ""), " ->{}"),
]


class Labeller:
    """Run labels: the strategy plus only the parameters that differ between
    the runs; runs that would still share a label are told apart by the
    parts of their names that differ (never the whole name: its constant
    parts are in the title)."""

    def __init__(self, runs):
        self.varying = {name for name, f, _ in LABEL_PARTS if len({f(r) for r in runs}) > 1}
        # What every run shares, said once in the titles.
        shared = []
        for name, f, _ in LABEL_PARTS:
            values = {f(r) for r in runs}
            if name in self.varying or name in ("qd", "streams", "receiver", "host", "peer") \
                    or len(values) != 1:
                continue
            value = values.pop()
            if value:
                shared.append(f"{name} {value}")
        self.constant = ", ".join(shared)
        self.extra = {}  # run name -> the parts of its name that tell it from its twins
        twins = {}
        for r in runs:
            twins.setdefault(self.text(r), []).append(r["name"])
        for names in twins.values():
            if len(set(names)) < 2:
                continue
            parts = [n.split("/") for n in names]
            width = max(len(p) for p in parts)
            differ = [i for i in range(width)
                      if len({p[i] if i < len(p) else "" for p in parts}) > 1]
            for n, p in zip(names, parts):
                self.extra[n] = " ".join(p[i] for i in differ if i < len(p))

    def text(self, run, skip=()):
        text = run["strategy"]
        for name, f, form in LABEL_PARTS:
            if name in self.varying and name not in skip and f(run):
                text += form.format(f(run))
        return text

    def __call__(self, run, skip=()):
        text = self.text(run, skip)
        if not skip and self.extra.get(run["name"]):
            text += " " + self.extra[run["name"]]
        if not run.get("verified"):
            text += " (unverified)"
        return text


def title(doc, what, label=None):
    """The chart's subject, what every run shares, then the machine, each
    line wrapped to fit the figure."""
    env = doc.get("environment", {})
    machine = f"{env.get('cpu_model', '?')} ({env.get('cores', '?')} cores)"
    kernel = env.get("kernel_release", "?")
    lines = [what]
    if label is not None and label.constant:
        lines.append("all runs: " + label.constant)
    lines.append(f"{machine}, Linux {kernel}, zc-bench {env.get('git_commit', '?')}")
    return "\n".join(textwrap.fill(line, 110) for line in lines)


def interval_caption(runs, key):
    """What the error bars are, with the coverage the runs' intervals really
    have (min..max of n repetitions covers 1 - 2 * 0.5^n of the median)."""
    covers = set()
    for r in runs:
        m = r["metrics"].get(key) or {}
        c = m.get("ci95_coverage")
        n = r["parameters"].get("repetitions", 0)
        if not isinstance(c, (int, float)) and isinstance(n, int) and n >= 2:
            c = 1 - 2 * 0.5 ** n if n < 6 else 0.95
        if isinstance(c, (int, float)):
            covers.add(round(min(c, 0.95) * 100, 1))
    if not covers or min(covers) >= 95:
        return "bars: the median's 95% interval"
    low, high = min(covers), max(covers)
    shown = f"{low:g}%" if low == high else f"{low:g}-{high:g}%"
    return f"bars: the median's interval, min..max: covers only {shown} (95% needs 6 repetitions)"


def finish(fig, ax, doc, what, path_stem, footnotes, label=None):
    ax.set_title(title(doc, what, label), fontsize=10)
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


def strategy_colours(runs):
    colours = {}
    for r in runs:
        colours.setdefault(r["strategy"], PALETTE[len(colours) % len(PALETTE)])
    return colours


def throughput_panels(runs):
    """[(panel title, runs)]: one panel, or one per sink when the runs
    differ by more than 100x (loopback TCP beside /dev/null): each panel's
    bars keep a linear axis, where their lengths mean something."""
    values = [median(r, role_key(r, "throughput")) for r in runs]
    sinks = []
    for r in runs:
        if r.get("sink", "") not in sinks:
            sinks.append(r.get("sink", ""))
    if not needs_log(values) or len(sinks) < 2:
        return [("", runs)]
    return [(f"{sink} sink" if sink else "no sink", [r for r in runs if r.get("sink", "") == sink])
            for sink in sinks]


def plot_throughput(doc, runs, label, stem, notes):
    runs = [r for r in runs if median(r, role_key(r, "throughput")) is not None]
    if not runs:
        return []
    panels = throughput_panels(runs)
    colours = strategy_colours(runs)
    fig, axes = plt.subplots(len(panels), 1, squeeze=False,
                             figsize=(12, max(3.2, 1.5 + 0.38 * len(runs) + 0.9 * (len(panels) - 1))),
                             gridspec_kw={"height_ratios": [max(1, len(p)) for _, p in panels]})
    caption = interval_caption(runs, role_key(runs[0], "throughput"))
    for ax, (panel, rs) in zip(axes[:, 0], panels):
        y = list(range(len(rs)))
        med = [rate(median(r, role_key(r, "throughput"))) for r in rs]
        lo = [m - rate(spread(r, role_key(r, "throughput"))[0]) for m, r in zip(med, rs)]
        hi = [rate(spread(r, role_key(r, "throughput"))[1]) - m for m, r in zip(med, rs)]
        colour = [colours[r["strategy"]] for r in rs]
        log = needs_log(med)
        if log:
            # Still over 100x within a panel: points on a log axis, not bars
            # (a bar's length on a log axis depends on where the axis starts).
            ax.errorbar(med, y, xerr=[lo, hi], fmt="none", ecolor="#333", capsize=3, elinewidth=1)
            ax.scatter(med, y, c=colour, s=36, zorder=3)
            ax.set_xscale("log")
            for m, i in zip(med, y):
                ax.annotate(rate_text(m), (m, i), xytext=(6, 4), textcoords="offset points",
                            fontsize=7)
        else:
            bars = ax.barh(y, med, xerr=[lo, hi], capsize=3, color=colour,
                           error_kw={"ecolor": "#333", "elinewidth": 1})
            for b, r in zip(bars, rs):
                if not r.get("verified"):
                    b.set_hatch("//")
            # Past the error bar, not under its cap.
            for m, h, i in zip(med, hi, y):
                ax.text(m + h, i, "  " + rate_text(m), va="center", fontsize=7)
            ax.set_xlim(0, max(m + h for m, h in zip(med, hi)) * 1.12 or 1)
        ax.set_yticks(y, [label(r) for r in rs], fontsize=8)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if panel:
            ax.set_ylabel(panel, fontsize=9)
        ax.set_xlabel(f"{UNIT} ({UNITS[UNIT][1]}): median; {caption}"
                      + ("; points on a log scale" if log else ""), fontsize=8)
    handles = [matplotlib.patches.Patch(color=c, label=s) for s, c in colours.items()]
    if any(not r.get("verified") for r in runs):
        handles.append(matplotlib.patches.Patch(facecolor="white", edgecolor="#333", hatch="//",
                                                label="hatched: not verified (see the table)"))
    axes[0, 0].legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                      frameon=False, title="strategy", title_fontsize=7)
    counts = sorted({r["parameters"]["repetitions"] for r in runs})
    reps = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    axes[0, 0].set_title(title(doc, f"Throughput per run ({reps} repetitions"
                                    + (", one panel per sink: they differ by over 100x)"
                                       if len(panels) > 1 else ")"), label), fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    return save(fig, stem + "-throughput")


def process_cpu(run):
    """The run's cpu role: CPU ns per byte of the measured side's whole
    process (every thread, io_uring's workers included)."""
    return median(run, role_key(run, "cpu"))


def cpu_rows(runs):
    return [r for r in runs if process_cpu(r) is not None]


def plot_cpu(doc, runs, label, stem, notes):
    runs = cpu_rows(runs)
    if not runs:
        return []
    fig, ax = bar_figure(len(runs))
    y = list(range(len(runs)))
    snd = [process_cpu(r) for r in runs]
    rcv = [median(r, "receiver_cpu_ns_per_byte") for r in runs]
    ax.barh(y, snd, color=SENDER, label="measured side's whole process (every thread and io_uring worker; rusage)")
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
    return finish(fig, ax, doc, "CPU per byte, sender and receiver", stem + "-cpu", notes, label)


COPIES_SKIP = ("size", "chunk", "qd")


def copies_rows(runs, label):
    """One row per transfer run that differs in more than size, chunk or
    queue depth (which do not change the copies); the first run of each
    stands for it. Only runs that measured the bytes crossing the user
    boundary: one workload and one unit per chart."""
    seen, rows = set(), []
    for r in runs:
        key = label(r, skip=COPIES_SKIP)
        if key not in seen and "ledger" in r and "bytes_copied_to_user" in r.get("metrics", {}):
            seen.add(key)
            rows.append(r)
    return rows


def plot_copies(doc, runs, label, stem, notes):
    rows = copies_rows(runs, label)
    if not rows:
        return []
    fig, (ax, other) = plt.subplots(1, 2, figsize=(13, max(3.4, 1.6 + 0.62 * len(rows))),
                                    sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    h = 0.38
    y = list(range(len(rows)))
    ledger = [r["ledger"] for r in rows]
    # Left, like with like: the sender's copies into and out of user memory,
    # as the ledger counts them and as the calls made measure them.
    m_to = [l.get("copies_to_user", 0) for l in ledger]
    m_from = [l.get("copies_from_user", 0) for l in ledger]
    size = [r["parameters"]["size"] for r in rows]
    to_user = [(median(r, "bytes_copied_to_user") or 0) / s for r, s in zip(rows, size)]
    from_user = [(median(r, "bytes_copied_from_user") or 0) / s for r, s in zip(rows, size)]
    top = [i - h / 2 for i in y]
    low = [i + h / 2 for i in y]
    ax.barh(top, m_to, h, color=TO_USER, alpha=0.45, hatch="..", edgecolor=TO_USER,
            label="model (ledger): copies into user memory")
    ax.barh(top, m_from, h, left=m_to, color=FROM_USER, alpha=0.45, hatch="..",
            edgecolor=FROM_USER, label="model (ledger): copies out of user memory")
    ax.barh(low, to_user, h, color=TO_USER, label="measured (exact): bytes copied into user memory")
    ax.barh(low, from_user, h, left=to_user, color=FROM_USER,
            label="measured (exact): bytes copied out of user memory")
    for i, (a, b, c, d) in enumerate(zip(m_to, m_from, to_user, from_user)):
        ax.text(a + b, i - h / 2, f" model {a + b}", va="center", fontsize=7)
        ax.text(c + d, i + h / 2, f" measured {c + d:.2f}", va="center", fontsize=7)
    ax.set_xlabel("sender's copies across the user/kernel boundary, per byte moved")
    ax.set_xlim(0, max(max(a + b for a, b in zip(m_to, m_from)),
                       max(c + d for c, d in zip(to_user, from_user)), 1) + 0.8)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    # Right: the ledger's hops no call site counts (model only).
    boundary = [a + b for a, b in zip(m_to, m_from)]
    inside = [max(0, l["cpu_copies"] - b) for l, b in zip(ledger, boundary)]
    dma = [l["dma_copies"] for l in ledger]
    other.barh(y, inside, 0.5, color=CPU, label="CPU copies elsewhere: receiver, in-kernel")
    other.barh(y, dma, 0.5, left=inside, color=DMA, label="DMA copies (disk, NIC)")
    for i, (a, b) in enumerate(zip(inside, dma)):
        other.text(a + b, i, f" {a} CPU + {b} DMA", va="center", fontsize=7)
    other.set_xlabel("the ledger's other hops (model only; the copies table checks them)")
    other.set_xlim(0, max(a + b for a, b in zip(inside, dma)) + 1.5)
    other.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1,
                 frameon=False)
    for a in (ax, other):
        a.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        a.grid(axis="x", alpha=0.3)
    ax.set_yticks(y, [label(r, skip=COPIES_SKIP) for r in rows], fontsize=8)
    ax.invert_yaxis()
    fig.suptitle(title(doc, "Copies per byte: the ledger (model) beside the measured evidence",
                       label), fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    return save(fig, stem + "-copies")


def chunk_panels(runs, label):
    """sink -> series name -> runs, when chunk sizes were swept. One panel per
    sink: loopback TCP and /dev/null differ by an order of magnitude and
    would flatten each other on one axis."""
    transfer = [r for r in runs if not is_append(r)]
    if len({r["parameters"].get("chunk") for r in transfer}) < 2:
        return {}
    panels = {}
    for r in transfer:
        if median(r, role_key(r, "throughput")) is not None:
            panels.setdefault(r.get("sink", ""), {}).setdefault(
                label(r, skip=("chunk", "sink")), []).append(r)
    return panels


def plot_chunks(doc, runs, label, stem, notes):
    panels = chunk_panels(runs, label)
    if not panels:
        return []
    chunks = {r["parameters"]["chunk"] for series in panels.values() for rs in series.values()
              for r in rs}
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 1.2 + 3.6 * len(panels)),
                             sharex=True, squeeze=False)
    for ax, (sink, series) in zip(axes[:, 0], panels.items()):
        for name, rs in series.items():
            rs.sort(key=lambda r: r["parameters"]["chunk"])
            x = [r["parameters"]["chunk"] for r in rs]
            med = [rate(median(r, role_key(r, "throughput"))) for r in rs]
            lo = [m - rate(spread(r, role_key(r, "throughput"))[0]) for m, r in zip(med, rs)]
            hi = [rate(spread(r, role_key(r, "throughput"))[1]) - m for m, r in zip(med, rs)]
            ax.errorbar(x, med, yerr=[lo, hi], marker="o", capsize=3, label=name)
        ax.set_xscale("log", base=2)
        ax.set_ylabel(f"{sink} sink: {UNIT}" if sink else UNIT)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        outside_legend(ax)
    ax = axes[-1, 0]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_size(int(v)) if v >= 1 else ""))
    ax.set_xticks(sorted(chunks))
    caption = interval_caption([r for series in panels.values() for rs in series.values()
                                for r in rs], role_key(runs[0], "throughput"))
    ax.set_xlabel(f"chunk size (bytes per call); points: median {UNIT}; {caption}")
    axes[0, 0].set_title(title(doc, "Throughput against chunk size", label), fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    return save(fig, f"{stem}-chunk")


def save(fig, path_stem):
    written = []
    for ext in ("png", "svg"):
        fig.savefig(f"{path_stem}.{ext}", dpi=120)
        written.append(f"{path_stem}.{ext}")
    plt.close(fig)
    return written


def needs_log(values):
    """A log axis when the bars differ by more than 100x (a synced append
    at 4 MB/s beside an unsynced one at 2,000 would be invisible)."""
    positive = [v for v in values if v and v > 0]
    return len(positive) > 1 and max(positive) / min(positive) > 100


def preset_of(doc):
    if doc.get("preset"):
        return doc["preset"]
    args = doc.get("environment", {}).get("command_line", [])
    for i, a in enumerate(args):
        if a == "--preset" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--preset="):
            return a.split("=", 1)[1]
    return ""


# The rows of the articles' table, as `--preset kafka` runs them.
KAFKA_ROWS = [("read-write", None, "read + write"), ("mmap-write", None, "mmap + write"),
              ("sendfile", "sg=off", "sendfile (NIC scatter-gather off)"),
              ("sendfile", "sg=on", "sendfile + NIC gather (sg on)"),
              ("tls-read-write", None, "read + SSL_write"), ("ktls-sendfile", None, "kTLS sendfile")]


def kafka_rows(doc, runs):
    """(row name, run) in the articles' order, for --preset kafka."""
    if preset_of(doc) != "kafka":
        return []
    rows = []
    for strategy, nic, name in KAFKA_ROWS:
        for r in runs:
            if r["strategy"] == strategy and (nic is None or nic_of(r) == nic):
                rows.append((name, r))
                break
    return rows


def plot_kafka(doc, runs, label, stem, notes):
    rows = kafka_rows(doc, runs)
    if not rows:
        return []
    names = [n for n, _ in rows]
    fig, axes = plt.subplots(1, 3, figsize=(15, 1.8 + 0.55 * len(rows)), sharey=True)
    y = list(range(len(rows)))
    med = [rate(median(r, role_key(r, "throughput")) or 0) for _, r in rows]
    lo = [m - rate(spread(r, role_key(r, "throughput"))[0]) if m else 0 for m, (_, r) in zip(med, rows)]
    hi = [rate(spread(r, role_key(r, "throughput"))[1]) - m if m else 0 for m, (_, r) in zip(med, rows)]
    axes[0].barh(y, med, xerr=[lo, hi], capsize=3, color=SENDER)
    for i, (m, h) in enumerate(zip(med, hi)):  # past the error bar's cap, not on it
        axes[0].text(m + h, i, "   " + rate_text(m), va="center", fontsize=7)
    axes[0].set_xlim(0, max(m + h for m, h in zip(med, hi)) * 1.2 or 1)
    axes[0].set_xlabel(f"{UNIT}: median; "
                       + interval_caption([r for _, r in rows], role_key(rows[0][1], "throughput")),
                       fontsize=8)
    cpu = [process_cpu(r) or 0 for _, r in rows]
    bars = axes[1].barh(y, cpu, color=CPU)
    axes[1].bar_label(bars, labels=[f"{c:.3f}" for c in cpu], padding=4, fontsize=7)
    axes[1].set_xlabel("sender CPU ns per byte (whole process)")
    size = [r["parameters"]["size"] for _, r in rows]
    linear = [(median(r, "transmit_linear_bytes") or 0) / s for (_, r), s in zip(rows, size)]
    paged = [(median(r, "transmit_paged_bytes") or 0) / s for (_, r), s in zip(rows, size)]
    axes[2].barh(y, linear, color=CPU, label="linear skb heads (copied without scatter-gather)")
    axes[2].barh(y, paged, left=linear, color=DMA, label="page fragments (gathered by the device)")
    axes[2].set_xlabel("bytes handed to the device per byte moved (tracepoint)")
    # Below the axes: clear of the bars whatever their lengths.
    axes[2].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.3 / len(rows)),
                   frameon=False)
    for ax in axes:
        ax.grid(axis="x", alpha=0.3)
    ledger = [r["ledger"] for _, r in rows]
    ticks = [f"{n}\nledger: {l['cpu_copies_sender']} CPU "
             f"cop{'y' if l['cpu_copies_sender'] == 1 else 'ies'} on send" for n, l in zip(names, ledger)]
    axes[0].set_yticks(y, ticks, fontsize=8)
    axes[0].invert_yaxis()
    p = rows[0][1]["parameters"]
    what = (f"Why Kafka is fast, measured: file -> TCP over a veth pair, {fmt_size(p['size'])} in "
            f"{fmt_size(p['chunk'])} chunks, {p.get('cache', '')} page cache")
    fig.suptitle(title(doc, what), fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    return save(fig, stem + "-kafka")


def append_panels(doc, runs, label):
    """sync policy -> [(group label, {pattern: run})]: seq beside random, one
    panel per sync policy (an fsync per record is 100-1000x slower)."""
    runs = [r for r in runs if is_append(r) and median(r, role_key(r, "throughput")) is not None]
    if preset_of(doc) != "append" and len({r["parameters"].get("pattern") for r in runs}) < 2:
        return {}
    panels = {}
    for r in runs:
        group = label(r, skip=("pattern", "sync")).replace(" (unverified)", "")
        groups = panels.setdefault(r["parameters"].get("sync", ""), {})
        groups.setdefault(group, {})[r["parameters"].get("pattern", "")] = r
    return {sync: list(groups.items()) for sync, groups in panels.items()}


def plot_append(doc, runs, label, stem, notes):
    panels = append_panels(doc, runs, label)
    if not panels:
        return []
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels) + 1, 4.8), squeeze=False)
    colors = {"seq": SENDER, "random": RECEIVER}
    for ax, (sync, groups) in zip(axes[0], panels.items()):
        x = list(range(len(groups)))
        values, series = [], []
        for k, pattern in enumerate(("seq", "random")):
            rs = [g.get(pattern) for _, g in groups]
            med = [rate(median(r, role_key(r, "throughput"))) if r else 0 for r in rs]
            lo = [m - rate(spread(r, role_key(r, "throughput"))[0]) if r else 0 for m, r in zip(med, rs)]
            hi = [rate(spread(r, role_key(r, "throughput"))[1]) - m if r else 0 for m, r in zip(med, rs)]
            xs = [i + (k - 0.5) * 0.4 for i in x]
            series.append((pattern, xs, med, lo, hi))
            values += med
        log = needs_log(values)
        for pattern, xs, med, lo, hi in series:
            if log:
                # Over 100x apart: points on a log axis (bar lengths there mean nothing).
                keep = [i for i, m in enumerate(med) if m]
                ax.errorbar([xs[i] for i in keep], [med[i] for i in keep],
                            yerr=[[lo[i] for i in keep], [hi[i] for i in keep]], fmt="o",
                            capsize=3, color=colors[pattern], label=pattern)
            else:
                ax.bar(xs, med, 0.4, yerr=[lo, hi], capsize=3, color=colors[pattern], label=pattern)
            for xi, m, h in zip(xs, med, hi):  # above the error bar, not under it
                if m:
                    ax.annotate(rate_text(m), (xi, m + h), ha="center", va="bottom", fontsize=7,
                                xytext=(0, 2), textcoords="offset points")
        if log:
            ax.set_yscale("log")
        ax.set_xticks(x, [g for g, _ in groups], fontsize=8, rotation=15, ha="right")
        ax.set_ylabel(f"{UNIT}, median" + (" (points on a log scale)" if log else ""))
        ax.set_xlabel(interval_caption([r for _, g in groups for r in g.values()],
                                       role_key(next(iter(groups[0][1].values())), "throughput")),
                      fontsize=7)
        ax.set_title(f"sync {sync}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title(doc, "Log append: sequential beside random, per sync policy", label),
                 fontsize=10)
    if notes:
        fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(notes), 1, 1))
    return save(fig, stem + "-append")


def chart_labels(doc, runs, label):
    """The labels every chart would draw (--list-labels)."""
    thr = [r for r in runs if median(r, role_key(r, "throughput")) is not None]
    panels = chunk_panels(runs, label)
    return {
        "throughput": [label(r) for r in thr],
        "cpu": [label(r) for r in cpu_rows(runs)],
        "copies": [label(r, skip=COPIES_SKIP) for r in copies_rows(runs, label)],
        "chunk": [f"{sink}: {name}" for sink, series in panels.items() for name in series],
        "kafka": [name for name, _ in kafka_rows(doc, runs)],
        "streams": [label(r, skip=("streams",)) for r in thr
                    if any(q["parameters"].get("streams", 1) > 1 for q in runs)],
        "append": [f"sync {sync}: {group} {pattern}"
                   for sync, groups in append_panels(doc, runs, label).items()
                   for group, patterns in groups for pattern in patterns],
        "pairs": [f"{strategy}: {h} -> {p}" for strategy, cell in pair_cells(runs)[0].items()
                  for h, p in cell],
        "broker": [f"{i} -> {c}" for i, c in broker_pairs(runs)],
    }


def plot_streams(doc, runs, label, stem, notes):
    """--streams: the aggregate against the stream count, one line per run
    that differs only by its streams, the slowest and fastest stream as a
    band; the core count drawn in, since past it the curve measures the CPUs."""
    if not any(r["parameters"].get("streams", 1) > 1 for r in runs):
        return []
    series = {}
    for r in runs:
        if median(r, role_key(r, "throughput")) is not None:
            series.setdefault(label(r, skip=("streams",)), []).append(r)
    fig, ax = plt.subplots(figsize=(11, 5))
    counts = set()
    for name, rs in series.items():
        rs.sort(key=lambda r: r["parameters"].get("streams", 1))
        x = [r["parameters"].get("streams", 1) for r in rs]
        counts.update(x)
        agg = [rate(median(r, role_key(r, "throughput"))) for r in rs]
        line = ax.plot(x, agg, marker="o", label=f"{name}: aggregate")[0]
        lo = [rate(median(r, "stream_throughput_min_bytes_per_s") or median(r, role_key(r, "throughput")))
              for r in rs]
        hi = [rate(median(r, "stream_throughput_max_bytes_per_s") or median(r, role_key(r, "throughput")))
              for r in rs]
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15,
                        label=f"{name}: slowest..fastest stream")
    cores = doc.get("environment", {}).get("cores")
    if cores:
        ax.axvline(max(1, cores / 2), color="#999", linestyle="--", linewidth=1)
        ax.text(max(1, cores / 2), ax.get_ylim()[1] * 0.98,
                f" {cores} cores: two busy tasks per stream fill them here", fontsize=7,
                va="top", color="#555")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(counts))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    ax.set_xlabel("concurrent streams (--streams)")
    ax.set_ylabel(f"{UNIT} ({UNITS[UNIT][1]}), medians")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    outside_legend(ax)
    return finish(fig, ax, doc, "Throughput against concurrent streams", stem + "-streams", notes,
                  label)


def pair_cells(runs):
    """Runs of a merged document by strategy, then (sender host, receiver):
    the first run of each cell (the footnote says when a cell had more)."""
    if len({r.get("host") for r in runs if r.get("host")}) < 2:
        return {}, 0
    cells, extra = {}, 0
    for r in runs:
        if not r.get("host") or not r.get("peer"):
            continue
        cell = cells.setdefault(r["strategy"], {})
        if (r["host"], r["peer"]) in cell:
            extra += 1
        else:
            cell[(r["host"], r["peer"])] = r
    return cells, extra


def plot_pairs(doc, runs, label, stem, notes):
    """Runs spanning several hosts: sender x receiver matrices, one column
    per strategy (six at most), throughput above and CPU per byte below."""
    cells, extra = pair_cells(runs)
    if not cells:
        return []
    strategies = list(cells)[:6]
    senders = sorted({h for c in cells.values() for h, _ in c})
    receivers = sorted({p for c in cells.values() for _, p in c})
    rows = ((f"{UNIT} (median)",
             lambda r: rate(median(r, role_key(r, "throughput")) or 0) or None, "viridis"),
            ("CPU ns/B, sender's process", process_cpu, "magma_r"))
    fig, axes = plt.subplots(2, len(strategies), squeeze=False,
                             figsize=(max(5, 1.2 + 0.9 * len(receivers)) * len(strategies),
                                      2 * max(2.6, 1.2 + 0.55 * len(senders))))
    for row, (what, value, cmap) in enumerate(rows):
        # One scale per metric across the strategies: colours compare.
        values = [value(r) for c in cells.values() for r in c.values()]
        values = [v for v in values if v is not None] or [0, 1]
        norm = matplotlib.colors.Normalize(min(values), max(values))
        colours = matplotlib.colormaps[cmap]
        for col, strategy in enumerate(strategies):
            ax = axes[row][col]
            grid = [[None] * len(receivers) for _ in senders]
            for (h, p), r in cells[strategy].items():
                grid[senders.index(h)][receivers.index(p)] = value(r)
            shown = [[math.nan if v is None else v for v in line] for line in grid]
            ax.imshow(shown, cmap=colours, norm=norm, aspect="auto")
            for i, line in enumerate(grid):
                for j, v in enumerate(line):
                    text = "-" if v is None else (f"{v:.0f}" if row == 0 else f"{v:.3f}")
                    r_, g_, b_, _ = colours(norm(v)) if v is not None else (1, 1, 1, 1)
                    dark = 0.299 * r_ + 0.587 * g_ + 0.114 * b_ < 0.5
                    ax.text(j, i, text, ha="center", va="center", fontsize=8,
                            color="#fff" if dark else "#000")
            ax.set_xticks(range(len(receivers)), receivers, fontsize=7, rotation=30, ha="right")
            ax.set_yticks(range(len(senders)), senders, fontsize=7)
            ax.set_xlabel("receiver (peer)", fontsize=8)
            ax.set_ylabel("sender (host)", fontsize=8)
            ax.set_title(f"{strategy}: {what}", fontsize=9)
    pair_notes = list(notes)
    if extra:
        pair_notes.append(f"{extra} runs share a cell with another (other parameters differ): "
                          "each cell draws the first")
    if len(cells) > len(strategies):
        pair_notes.append(f"{len(cells) - len(strategies)} more strategies not drawn (see the JSON)")
    fig.suptitle(title(doc, f"Pairs of hosts ({len(senders)} senders, {len(receivers)} receivers)"),
                 fontsize=10)
    if pair_notes:
        fig.text(0.01, 0.005, "\n".join(pair_notes), fontsize=7, va="bottom", ha="left", color="#555")
    fig.tight_layout(rect=(0, 0.02 + 0.022 * len(pair_notes), 1, 0.95))
    written = []
    for ext in ("png", "svg"):
        fig.savefig(f"{stem}-pairs.{ext}", dpi=120)
        written.append(f"{stem}-pairs.{ext}")
    plt.close(fig)
    return written


# The broker's phases, in the order a reader follows them.
BROKER_PHASES = [("none", "n/a", "producers alone"), ("caught-up", "n/a", "+ caught-up consumers"),
                 ("lagging", "buffered", "+ lagging, buffered"),
                 ("lagging", "direct", "+ lagging, direct"),
                 ("lagging", "dontneed", "+ lagging, dontneed")]
PHASE_COLOURS = ["#9e9e9e", "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"]


def broker_pairs(runs):
    """(ingest, consume) -> {(lag, lag_read): run} of the broker runs; the
    producers-alone run (consume "none") goes to every pair of its ingest
    strategy."""
    broker = [r for r in runs if r.get("workload") == "broker" and "lag" in r["parameters"]]
    pairs, alone = {}, {}
    for r in broker:
        p = r["parameters"]
        if p["lag"] == "none":
            alone[r["strategy"]] = r
        else:
            pairs.setdefault((r["strategy"], p["broker"]["consume"]), {})[
                (p["lag"], p.get("lag_read", "n/a"))] = r
    for (ingest, _), cell in pairs.items():
        if ingest in alone:
            cell[("none", "n/a")] = alone[ingest]
    return pairs


def plot_broker(doc, runs, label, stem, notes):
    """The catch-up tax: producer append p99 per phase for each strategy
    pair (grouped bars with the median's 95% interval), and the tax per
    --lag-read policy (lagging / caught-up p99, Hodges-Lehmann ratio with
    its interval, from the document's catch_up_tax)."""
    pairs = broker_pairs(runs)
    if not pairs:
        return []
    key = "producer_latency_p99_ns"
    phases = [ph for ph in BROKER_PHASES if any(ph[:2] in c for c in pairs.values())]
    names = [f"{i.replace('-ingest', '')} -> {c}" for i, c in pairs]
    fig, (ax, tax) = plt.subplots(1, 2, figsize=(15, 1.8 + 0.5 * len(pairs) * len(phases) / 2),
                                  gridspec_kw={"width_ratios": [3, 2]})
    height = 0.8 / len(phases)
    for k, (lag, policy, what) in enumerate(phases):
        ys, med, lo, hi = [], [], [], []
        for i, cell in enumerate(pairs.values()):
            r = cell.get((lag, policy))
            if r is None or median(r, key) is None:
                continue
            m = median(r, key) / 1e6
            low, high = spread(r, key)
            ys.append(i + (k - (len(phases) - 1) / 2) * height)
            med.append(m)
            lo.append(m - low / 1e6)
            hi.append(high / 1e6 - m)
        ax.barh(ys, med, height=height, xerr=[lo, hi], capsize=2, color=PHASE_COLOURS[k],
                label=what, error_kw={"ecolor": "#333", "elinewidth": 0.8})
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("producer append latency p99, ms (median, 95% interval)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    taxes = [t for t in doc.get("catch_up_tax", []) if t.get("ratio")]
    policies = [p for _, p, _ in BROKER_PHASES[2:] if any(t["lag_read"] == p for t in taxes)]
    theight = 0.8 / max(1, len(policies))
    for k, policy in enumerate(policies):
        ys, est, lo, hi = [], [], [], []
        for t in taxes:
            if t["lag_read"] != policy or (t["ingest"], t["consume"]) not in pairs:
                continue
            i = list(pairs).index((t["ingest"], t["consume"]))
            r = t["ratio"]
            ys.append(i + (k - (len(policies) - 1) / 2) * theight)
            est.append(r["estimate"])
            lo.append(max(0, r["estimate"] - r["low"]))
            hi.append(max(0, r["high"] - r["estimate"]))
        tax.barh(ys, est, height=theight, xerr=[lo, hi], capsize=2,
                 color=PHASE_COLOURS[2 + [p for _, p, _ in BROKER_PHASES[2:]].index(policy)],
                 label=f"{policy} reads", error_kw={"ecolor": "#333", "elinewidth": 0.8})
    tax.axvline(1, color="#333", linewidth=0.8)
    tax.set_yticks(range(len(names)), [""] * len(names))
    tax.invert_yaxis()
    tax.set_xlabel("catch-up tax: producer p99 lagging / caught-up (ratio, 95% interval)")
    tax.grid(axis="x", alpha=0.3)
    if policies:
        tax.legend(fontsize=7, loc="lower right")
    bound = next((r.get("cache_bound") for r in runs if r.get("cache_bound")), None)
    broker_notes = list(notes)
    if bound:
        broker_notes.insert(0, "page cache: " + (
            f"bounded to {fmt_size(bound['limit'])} by a {bound['method']}"
            if bound["method"] != "none" else f"not bounded ({bound.get('reason', '')})"))
    return finish(fig, ax, doc, "The catch-up tax: producer p99 per phase", stem + "-broker",
                  broker_notes)


def main():
    ap = argparse.ArgumentParser(description="Charts (PNG and SVG) from a zc-bench/1 results file.")
    ap.add_argument("results", help="a zc-bench/1 JSON file (zc-bench run -o FILE)")
    ap.add_argument("-o", "--output-dir", help="folder for the charts (default: next to the JSON)")
    ap.add_argument("--units", default="MB/s", choices=list(UNITS),
                    help="the unit of throughput (the JSON keeps bytes per second)")
    ap.add_argument("--list-labels", action="store_true",
                    help="print the labels each chart would draw (JSON) and draw nothing")
    args = ap.parse_args()

    global UNIT
    UNIT = args.units
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
    notes = [f"{r['name']}: {r['status']}: {r.get('reason', '')}"[:150]
             for r in all_runs if r.get("status") != "ok"]
    if len(notes) > 6:
        notes = notes[:5] + [f"... and {len(notes) - 5} more runs not ok (see the JSON)"]
    if not doc.get("complete", True):
        notes.insert(0, f"INCOMPLETE: {doc.get('incomplete_reason', '')}")

    label = Labeller(runs)
    if args.list_labels:
        print(json.dumps(chart_labels(doc, runs, label), indent=1))
        return
    written = []
    for plot in (plot_throughput, plot_cpu, plot_copies, plot_chunks, plot_kafka, plot_append,
                 plot_streams, plot_pairs, plot_broker):
        written += plot(doc, runs, label, stem, notes)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
