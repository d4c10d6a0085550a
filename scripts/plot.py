#!/usr/bin/env python3
"""Charts from a zc-bench/1 results file (PNG and SVG), for people.

    scripts/plot.py RESULTS.json [-o DIR] [--list-labels]

Writes, into DIR (default: the folder of RESULTS.json), files named after
the results file:
  <stem>-throughput   median throughput per run, error bars: the 95% interval of the
                      median (min..max with 5 or fewer repetitions)
                      (a log axis when the runs differ by more than 100x)
  <stem>-cpu          CPU ns per byte: the run's cpu figure (the measured side's whole
                      process: every thread and io_uring worker; the sender in a
                      transfer, zc-bench in append and ingest) and the receiver
                      process, stacked
  <stem>-copies       the ledger's CPU and DMA copies (model) beside the measured
                      bytes copied to/from user memory per byte moved
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
Runs are labelled by their strategy and every parameter that differs between
them (sink, nic, receiver, pattern, sync, record, qd, chunk, size, cache,
streams, host, peer). Every chart is titled with the machine's CPU model and kernel. Only
runs with status "ok" are drawn; the others are named in a footnote.
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
    """Run labels: the strategy (and the sink of a transfer) plus every
    parameter that differs between the runs; a label that would still be
    shared falls back to the run's unique name."""

    def __init__(self, runs):
        self.varying = {name for name, f, _ in LABEL_PARTS if len({f(r) for r in runs}) > 1}
        self.varying.add("sink")  # the sink always matters to the reading
        self.duplicates = set()
        seen = {}
        for r in runs:
            text = self.text(r)
            if seen.setdefault(text, r["name"]) != r["name"]:
                self.duplicates.add(text)

    def text(self, run, skip=()):
        text = run["strategy"]
        for name, f, form in LABEL_PARTS:
            if name in self.varying and name not in skip and f(run):
                text += form.format(f(run))
        return text

    def __call__(self, run, skip=()):
        text = self.text(run, skip)
        if not skip and text in self.duplicates:
            text = run["name"]
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
    runs = [r for r in runs if median(r, role_key(r, "throughput")) is not None]
    if not runs:
        return []
    fig, ax = bar_figure(len(runs))
    y = range(len(runs))
    med = [median(r, role_key(r, "throughput")) / 1e6 for r in runs]
    lo = [m - spread(r, role_key(r, "throughput"))[0] / 1e6 for m, r in zip(med, runs)]
    hi = [spread(r, role_key(r, "throughput"))[1] / 1e6 - m for m, r in zip(med, runs)]
    bars = ax.barh(y, med, xerr=[lo, hi], capsize=3, color=SENDER,
                   error_kw={"ecolor": "#333", "elinewidth": 1})
    for b, r in zip(bars, runs):
        if not r.get("verified"):
            b.set_hatch("//")
    ax.set_yticks(list(y), [label(r) for r in runs], fontsize=8)
    ax.invert_yaxis()
    log = needs_log(med)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel("MB/s (10^6 bytes/s): median, bars its 95% interval"
                  + (" (log scale)" if log else ""))
    ax.bar_label(bars, labels=[f"{m:,.1f}" if m < 10 else f"{m:,.0f}" for m in med],
                 padding=4, fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    reps = runs[0]["parameters"]["repetitions"]
    return finish(fig, ax, doc, f"Throughput per run ({reps} repetitions)", stem + "-throughput", notes)


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
    return finish(fig, ax, doc, "CPU per byte, sender and receiver", stem + "-cpu", notes)


COPIES_SKIP = ("size", "chunk", "qd")


def copies_rows(runs, label):
    """One row per run that differs in more than size, chunk or queue depth
    (which do not change the copies); the first run of each stands for it."""
    seen, rows = set(), []
    for r in runs:
        key = label(r, skip=COPIES_SKIP)
        if key not in seen and "ledger" in r:
            seen.add(key)
            rows.append(r)
    return rows


def plot_copies(doc, runs, label, stem, notes):
    rows = copies_rows(runs, label)
    if not rows:
        return []
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
    ax.set_yticks(y, [label(r, skip=COPIES_SKIP) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("copies of each byte")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    outside_legend(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0, max(max(c + d for c, d in zip(cpu, dma)), max(model_cross), 1) + 0.5)
    return finish(fig, ax, doc, "Copies per byte: the ledger (model) beside the measured evidence",
                  stem + "-copies", notes)


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
            med = [median(r, role_key(r, "throughput")) / 1e6 for r in rs]
            lo = [m - spread(r, role_key(r, "throughput"))[0] / 1e6 for m, r in zip(med, rs)]
            hi = [spread(r, role_key(r, "throughput"))[1] / 1e6 - m for m, r in zip(med, rs)]
            ax.errorbar(x, med, yerr=[lo, hi], marker="o", capsize=3, label=name)
        ax.set_xscale("log", base=2)
        ax.set_ylabel(f"{sink or 'log'} sink: MB/s" if sink else "MB/s")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        outside_legend(ax)
    ax = axes[-1, 0]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_size(int(v)) if v >= 1 else ""))
    ax.set_xticks(sorted(chunks))
    ax.set_xlabel("chunk size (bytes per call); points: median, bars: its 95% interval")
    axes[0, 0].set_title(title(doc, "Throughput against chunk size"), fontsize=10)
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
    med = [(median(r, role_key(r, "throughput")) or 0) / 1e6 for _, r in rows]
    lo = [m - spread(r, role_key(r, "throughput"))[0] / 1e6 if m else 0 for m, (_, r) in zip(med, rows)]
    hi = [spread(r, role_key(r, "throughput"))[1] / 1e6 - m if m else 0 for m, (_, r) in zip(med, rows)]
    axes[0].barh(y, med, xerr=[lo, hi], capsize=3, color=SENDER)
    for i, (m, h) in enumerate(zip(med, hi)):  # past the error bar, not under it
        axes[0].text(m + h, i, f"  {m:,.0f}", va="center", fontsize=7)
    axes[0].set_xlabel("MB/s: median, bars its 95% interval")
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
    axes[2].legend(fontsize=7, loc="lower right")
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
        values = []
        for k, pattern in enumerate(("seq", "random")):
            rs = [g.get(pattern) for _, g in groups]
            med = [median(r, role_key(r, "throughput")) / 1e6 if r else 0 for r in rs]
            lo = [m - spread(r, role_key(r, "throughput"))[0] / 1e6 if r else 0 for m, r in zip(med, rs)]
            hi = [spread(r, role_key(r, "throughput"))[1] / 1e6 - m if r else 0 for m, r in zip(med, rs)]
            xs = [i + (k - 0.5) * 0.4 for i in x]
            ax.bar(xs, med, 0.4, yerr=[lo, hi], capsize=3, color=colors[pattern], label=pattern)
            for xi, m, h in zip(xs, med, hi):  # above the error bar, not under it
                if m:
                    ax.annotate(f"{m:,.1f}" if m < 10 else f"{m:,.0f}", (xi, m + h), ha="center",
                                va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
            values += med
        if needs_log(values):
            ax.set_yscale("log")
        ax.set_xticks(x, [g for g, _ in groups], fontsize=8, rotation=15, ha="right")
        ax.set_ylabel("MB/s (median, bars its 95% interval)" + (" (log scale)" if needs_log(values) else ""))
        ax.set_title(f"sync {sync}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title(doc, "Log append: sequential beside random, per sync policy"), fontsize=10)
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
        agg = [median(r, role_key(r, "throughput")) / 1e6 for r in rs]
        line = ax.plot(x, agg, marker="o", label=f"{name}: aggregate")[0]
        lo = [(median(r, "stream_throughput_min_bytes_per_s") or median(r, role_key(r, "throughput"))) / 1e6
              for r in rs]
        hi = [(median(r, "stream_throughput_max_bytes_per_s") or median(r, role_key(r, "throughput"))) / 1e6
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
    ax.set_ylabel("MB/s (10^6 bytes/s), medians")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    outside_legend(ax)
    return finish(fig, ax, doc, "Throughput against concurrent streams", stem + "-streams", notes)


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
    rows = (("MB/s (median)",
             lambda r: (median(r, role_key(r, "throughput")) or 0) / 1e6 or None, "viridis"),
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
    ap.add_argument("--list-labels", action="store_true",
                    help="print the labels each chart would draw (JSON) and draw nothing")
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
