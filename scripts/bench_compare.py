#!/usr/bin/env python3
"""How often `zc-bench compare` is wrong on this machine (see scripts/bench-compare).

1. A/A: the same configuration run twice, back to back, PAIRS times; each
   pair goes to `zc-bench compare`. A flagged A/A pair is a false alarm.
2. A real slowdown of known size: after the second run of each round, the
   same configuration with the zc-bench process throttled by a CPU cgroup
   quota (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us) to (100 - SLOWDOWN)% of
   --cpus CPUs (tcp keeps two busy: the sender and its receiver); compared
   with the run before it. The slowdown it really caused is
   measured (compare's Hodges-Lehmann estimate per pair, and the cgroup's
   throttling counters), not assumed.
3. The ranking of read-write, sendfile and splice over --sink (null by
   default), in RANK_RUNS separate invocations: identical or not.
4. The default comparison with --reps auto --precision 3%, timed (skipped
   with a message while zc-bench does not accept --reps auto).

Every command line is printed before it first runs. The raw figures go to
results/bench-compare-<UTC time>.json.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

CG_V2 = "/sys/fs/cgroup"
CG_V1_CPU = "/sys/fs/cgroup/cpu"


def log(msg=""):
    print(msg, flush=True)


def shown(cmd):
    return " ".join(c if c and " " not in c else repr(c) for c in cmd)


class CpuGroups:
    """Two sibling cgroups with the largest CPU weight, so that other load on
    the machine does not set the runs' pace: `base` without a quota, `slow`
    with a quota of `fraction` of one CPU. Removed on exit."""

    def __init__(self, fraction, period_us, boost):
        self.made = []
        self.version = None
        self.boost = boost
        v2_controllers = os.path.join(CG_V2, "cgroup.controllers")
        if os.path.exists(v2_controllers) and "cpu" in open(v2_controllers).read().split():
            self.version, root = 2, CG_V2
            with open(os.path.join(root, "cgroup.subtree_control"), "w") as f:
                f.write("+cpu")
        elif os.path.isdir(CG_V1_CPU) and os.path.exists(os.path.join(CG_V1_CPU, "cpu.cfs_quota_us")):
            self.version, root = 1, CG_V1_CPU
        else:
            raise RuntimeError("no CPU cgroup controller (cgroup v2 cpu or v1 cpu) to throttle with")
        tag = f"zcb-bench-compare-{os.getpid()}"
        self.base = self.make(os.path.join(root, tag + "-base"), None, period_us)
        self.slow = self.make(os.path.join(root, tag + "-slow"), fraction, period_us)

    def make(self, path, fraction, period_us):
        os.mkdir(path)
        self.made.append(path)
        quota = int(period_us * fraction) if fraction else None
        if self.version == 2:
            self.write(path, "cpu.max", f"{quota or 'max'} {period_us}")
            if self.boost:
                self.write(path, "cpu.weight", "10000")
        else:
            self.write(path, "cpu.cfs_period_us", str(period_us))
            self.write(path, "cpu.cfs_quota_us", str(quota or -1))
            if self.boost:
                self.write(path, "cpu.shares", "262144")
        return path

    @staticmethod
    def write(path, name, value):
        with open(os.path.join(path, name), "w") as f:
            f.write(value)

    def describe(self, which):
        path = self.slow if which == "slow" else self.base
        if self.version == 2:
            limit = open(os.path.join(path, "cpu.max")).read().split()
            weight = open(os.path.join(path, "cpu.weight")).read().strip()
            return f"{path} (cgroup v2: cpu.max {' '.join(limit)}, cpu.weight {weight})"
        q = open(os.path.join(path, "cpu.cfs_quota_us")).read().strip()
        p = open(os.path.join(path, "cpu.cfs_period_us")).read().strip()
        sh = open(os.path.join(path, "cpu.shares")).read().strip()
        return f"{path} (cgroup v1: cpu.cfs_quota_us {q} / cpu.cfs_period_us {p}, cpu.shares {sh})"

    def throttling(self):
        stat = {}
        for line in open(os.path.join(self.slow, "cpu.stat")):
            k, v = line.split()
            stat[k] = int(v)
        return stat

    def enter(self, which):
        path = self.slow if which == "slow" else self.base
        procs = os.path.join(path, "cgroup.procs")

        def join():  # runs in the child before exec: zc-bench starts inside the group
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
        return join

    def remove(self):
        for path in reversed(self.made):
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    time.sleep(0.1)  # a child still exiting
        self.made = []


class Bench:
    def __init__(self, a, workdir):
        self.a = a
        self.workdir = workdir
        self.groups = None
        self.printed = set()
        self.source = None
        if a.source == "file":
            self.source = os.path.join(workdir, "source.bin")
            with open(self.source, "wb") as f:  # incompressible, like zc-bench's own sources
                for _ in range(self.parse_size(a.size) // (1 << 20)):
                    f.write(os.urandom(1 << 20))

    @staticmethod
    def parse_size(text):
        units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
        return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)

    def show_once(self, kind, cmd, note=""):
        if kind in self.printed:
            return
        self.printed.add(kind)
        log(f"$ {shown(cmd)}{note}")

    def run(self, out, strategies, extra=(), group=None, kind="run"):
        # --source generated: zc-bench writes its own source per invocation
        # (as a user's run does), with --size; --reps 0: its default.
        source = ["--file", self.source] if self.source else ["--size", self.a.size,
                                                              "--tmpdir", self.workdir]
        chunk = ["--chunk", self.a.chunk] if self.a.chunk != "default" else []
        reps = ["--reps", str(self.a.reps)] if self.a.reps not in ("0", 0) else []
        if self.a.reps == "auto":
            reps += ["--precision", "3%"]
        cmd = [self.a.zc, "run", "-s", strategies, "--sink", self.a.sink, *source, *chunk, *reps,
               "-q", "-o", out, *extra]
        note = f"    # inside {self.groups.describe(group)}" if group and self.groups else ""
        self.show_once(kind + (group or ""), cmd, note)
        pre = self.groups.enter(group) if group and self.groups else None
        proc = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=pre)
        if proc.returncode != 0 or not os.path.exists(out):
            raise RuntimeError(f"zc-bench run failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        return out

    def compare(self, base, new, threshold):
        cmd = [self.a.zc, "compare", base, new, "--metric", "throughput",
               "--threshold", str(threshold), "--format", "json"]
        self.show_once(f"compare{threshold}", cmd)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"zc-bench compare failed ({proc.returncode}): {proc.stderr.strip()}")
        doc = json.loads(proc.stdout)
        # Every run's throughput; the pair's verdict is the gate's (any
        # regression, else any undecided, else any better), its change the
        # run that moved most.
        ms = [r["metrics"][0] for r in doc["runs"] if r["metrics"]]
        verdicts = [m["verdict"] for m in ms]
        verdict = next((v for v in ("regression", "undecided", "better") if v in verdicts),
                       verdicts[0] if verdicts else "n/a")
        m = max(ms, key=lambda m: abs(m.get("change") or 0))
        return {"exit": proc.returncode, "verdict": verdict, "verdicts": verdicts,
                "change": m.get("change"), "low": m.get("change_low"),
                "high": m.get("change_high"), "p": m.get("p_value"),
                "needed": m.get("repetitions_needed"),
                "changes": [m.get("change") for m in ms],
                "modes": sum(1 for n in doc.get("notes", []) if "2 modes" in n),
                "pressure": doc.get("cpu_pressure", {})}


def fmt_change(c):
    if c.get("change") is None:
        return "n/a"
    s = f"{c['change'] * 100:+6.1f}%"
    if c.get("low") is not None:
        s += f" ({c['low'] * 100:+.1f} to {c['high'] * 100:+.1f})"
    return s


def fmt_p(c):
    return "-" if c.get("p") is None else f"{c['p']:.3f}"


def pairs(b, a, raw):
    thresholds = a.thresholds
    log(f"\n== 1+2. A/A pairs and {a.slowdown:g}% slowdown pairs: {a.pairs} rounds of "
        f"{a.strategy} -> {a.sink}, {a.size}, chunk {a.chunk}, {a.reps} repetitions each ==")
    log("each round: run A, run B (same configuration), run S (throttled); compare A B (A/A) and B S")
    rounds = []
    head = f"{'round':>5}  {'A/A change (95% interval)':<30} {'p':>6}  " + "  ".join(
        f"{'A/A @' + str(t) + '%':<12}" for t in thresholds) + "  " + \
        f"{'slow change (95% interval)':<30} {'p':>6}  " + "  ".join(
        f"{'slow @' + str(t) + '%':<12}" for t in thresholds)
    before = b.groups.throttling() if b.groups else None
    for i in range(a.pairs):
        d = os.path.join(b.workdir, f"round{i}")
        os.mkdir(d)
        ra = b.run(os.path.join(d, "a.json"), a.strategy, group="base", kind="pair")
        rb = b.run(os.path.join(d, "b.json"), a.strategy, group="base", kind="pair")
        rs = b.run(os.path.join(d, "s.json"), a.strategy, group="slow", kind="pair")
        if i == 0:
            log("\n" + head)
        r = {"aa": {t: b.compare(ra, rb, t) for t in thresholds},
             "slow": {t: b.compare(rb, rs, t) for t in thresholds}}
        rounds.append(r)
        first = thresholds[0]
        log(f"{i + 1:>5}  {fmt_change(r['aa'][first]):<30} {fmt_p(r['aa'][first]):>6}  " +
            "  ".join(f"{r['aa'][t]['verdict']:<12}" for t in thresholds) + "  " +
            f"{fmt_change(r['slow'][first]):<30} {fmt_p(r['slow'][first]):>6}  " +
            "  ".join(f"{r['slow'][t]['verdict']:<12}" for t in thresholds))
    raw["rounds"] = rounds
    if b.groups:
        after = b.groups.throttling()
        raw["throttling"] = {k: after[k] - before.get(k, 0) for k in after}
    return rounds


def report_pairs(a, rounds, raw):
    log("")
    summary = {}
    changes = [r["slow"][a.thresholds[0]]["change"] for r in rounds
               if r["slow"][a.thresholds[0]]["change"] is not None]
    aa_changes = [r["aa"][a.thresholds[0]]["change"] for r in rounds
                  if r["aa"][a.thresholds[0]]["change"] is not None]
    if changes:
        log(f"slowdown the throttle really caused (compare's Hodges-Lehmann estimate per pair): "
            f"median {statistics.median(changes) * 100:+.1f}%, "
            f"range {min(changes) * 100:+.1f}% to {max(changes) * 100:+.1f}% over {len(changes)} pairs")
    if aa_changes:
        log(f"A/A pairs' estimated change: median {statistics.median(aa_changes) * 100:+.1f}%, "
            f"range {min(aa_changes) * 100:+.1f}% to {max(aa_changes) * 100:+.1f}%")
    if raw.get("throttling"):
        t = raw["throttling"]
        periods = t.get("nr_periods", 0)
        log(f"cgroup evidence (slow group, whole script): throttled in {t.get('nr_throttled', 0)} of "
            f"{periods} periods, {t.get('throttled_time', 0) / 1e9:.2f} s throttled"
            + (" (v2 reports throttled_usec)" if "throttled_usec" in t else ""))
    n = len(rounds)
    for t in a.thresholds:
        aa = [r["aa"][t]["verdict"] for r in rounds]
        sl = [r["slow"][t]["verdict"] for r in rounds]
        fa, aa_better, aa_open = aa.count("regression"), aa.count("better"), aa.count("undecided")
        det, sl_open = sl.count("regression"), sl.count("undecided")
        summary[t] = {"aa_flagged": fa, "aa_better": aa_better, "aa_undecided": aa_open,
                      "slow_flagged": det, "slow_undecided": sl_open, "pairs": n}
        # A/A "better" is as false as a regression, but passes the gate: shown apart.
        passed = sum(1 for r in rounds if r["aa"][t]["exit"] == 0)
        summary[t]["aa_gate_passed"] = passed
        # The throttle's real effect is the "slowdown ... really caused" line.
        log(f"threshold {t}%: A/A flagged as a regression in {fa} of {n} "
            f"(target <= 1 of 20: {'met' if fa * 20 <= n else 'NOT met'}), called better in "
            f"{aa_better}, undecided in {aa_open} (gate passed, exit 0, in {passed} of {n}); "
            f"throttled to {100 - a.slowdown:g}% of {a.cpus:g} CPU: flagged in {det} of {n} "
            f"(target >= 19 of 20: {'met' if det * 20 >= 19 * n else 'NOT met'}), undecided in {sl_open}")
    raw["summary"] = {str(k): v for k, v in summary.items()}
    # Other work on the machine (/proc/pressure/cpu, compare's cpu_pressure)
    # during one invocation of a pair and not the other explains many A/A
    # alarms: how many came with the two sides' pressure 10 points apart.
    t = a.thresholds[0]
    def apart(c):
        p = c.get("pressure") or {}
        return p.get("base") is not None and p.get("new") is not None and \
            abs(p["new"] - p["base"]) >= 0.10
    fa = [r["aa"][t] for r in rounds if r["aa"][t]["verdict"] == "regression"]
    with_pressure = [r["aa"][t] for r in rounds if apart(r["aa"][t])]
    if any((r["aa"][t].get("pressure") or {}).get("base") is not None for r in rounds):
        pressures = sorted(v for r in rounds for v in (r["aa"][t].get("pressure") or {}).values()
                           if v is not None)
        log(f"CPU pressure (share of the timed regions some task waited for a CPU): "
            f"{pressures[0] * 100:.0f}% to {pressures[-1] * 100:.0f}% over the A/A invocations; "
            f"sides 10 points apart in {len(with_pressure)} of {n} A/A pairs; "
            f"of the {len(fa)} A/A false alarms at {t}%, {sum(1 for c in fa if apart(c))} had them")
        raw["summary"]["aa_pressure_apart"] = len(with_pressure)
        raw["summary"]["aa_flagged_pressure_apart"] = sum(1 for c in fa if apart(c))


def ranking(b, a, raw):
    log(f"\n== 3. Ranking of read-write, sendfile and splice -> {a.sink} in {a.rank_runs} invocations ==")
    seen = []
    for i in range(a.rank_runs):
        out = os.path.join(b.workdir, f"rank{i}.json")
        b.run(out, "read-write,sendfile,splice", kind="rank")
        doc = json.load(open(out))
        rk = next((c for c in doc.get("comparisons", []) if c["metric"] == "throughput_bytes_per_s"), None)
        if rk is None:
            log(f"{i + 1}: no ranking in the document (runs: {[r['status'] for r in doc['runs']]})")
            seen.append(None)
            continue
        seen.append([(r["strategy"], r["rank"]) for r in rk["runs"]])
        log(f"{i + 1}: {rk['sentence']}")
    valid = [s for s in seen if s]
    # Three readings: the order (best first), the ranks with ties, and
    # contradictions (a pair told apart one way in one invocation and the
    # other way in another; a tie contradicts nothing).
    orders = [tuple(name for name, _ in s) for s in valid]
    same_order = sum(1 for o in orders if o == orders[0]) if orders else 0
    same_ranks = sum(1 for s in valid if s == valid[0]) if valid else 0
    contradictions = set()
    for x in valid:
        for y in valid:
            rx, ry = dict(x), dict(y)
            for p in rx:
                for q in rx:
                    if p in ry and q in ry and rx[p] < rx[q] and ry[p] > ry[q]:
                        contradictions.add(tuple(sorted((p, q))))
    n = a.rank_runs
    first = " > ".join(orders[0]) if orders else "n/a"
    log(f"order ({first}) identical in {same_order} of {n} invocations "
        f"(target 5 of 5: {'met' if same_order == n else 'NOT met'}); ranks with ties identical in "
        f"{same_ranks} of {n}; pairs told apart in opposite directions: "
        f"{', '.join(' vs '.join(c) for c in sorted(contradictions)) or 'none'}")
    raw["ranking"] = {"same_order": same_order, "same_ranks": same_ranks, "invocations": n,
                      "contradictions": sorted(contradictions),
                      "rankings": [list(s) if s else None for s in seen]}


def reps_auto(b, a, raw):
    log("\n== 4. The default comparison with --reps auto --precision 3% (target: under 90 s) ==")
    help_text = subprocess.run([a.zc, "run", "--help"], capture_output=True, text=True).stdout
    if "--precision" not in help_text:
        log("skipped: this zc-bench does not accept --reps auto --precision yet (no --precision "
            "in `zc-bench run --help`)")
        raw["reps_auto"] = {"skipped": "no --precision option"}
        return
    out = os.path.join(b.workdir, "auto.json")
    cmd = [a.zc, "run", "--reps", "auto", "--precision", "3%", "-q", "-o", out,
           "--tmpdir", b.workdir]
    log(f"$ {shown(cmd)}")
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    took = time.monotonic() - t0
    if proc.returncode not in (0, 1) or not os.path.exists(out):
        log(f"failed ({proc.returncode}) after {took:.1f} s: {proc.stderr.strip()[-300:]}")
        raw["reps_auto"] = {"failed": proc.returncode, "seconds": took}
        return
    runs = [r for r in json.load(open(out))["runs"] if r.get("status") == "ok"]
    conv = [r.get("convergence", {}) for r in runs]
    done = sum(1 for c in conv if c.get("converged"))
    reps = [c.get("repetitions", 0) for c in conv]
    log(f"finished in {took:.1f} s (target under 90 s: {'met' if took < 90 else 'NOT met'}); "
        f"{done} of {len(runs)} runs converged to 3%, {min(reps, default=0)}-{max(reps, default=0)} "
        "repetitions each")
    raw["reps_auto"] = {"seconds": took, "exit": proc.returncode, "runs": len(runs),
                        "converged": done, "repetitions": reps}


def keep_results(workdir, dest):
    """The results documents, without the sources (a GiB each)."""
    for root, _, files in os.walk(workdir):
        for f in files:
            if f.endswith(".json"):
                rel = os.path.relpath(os.path.join(root, f), workdir)
                os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
                shutil.copyfile(os.path.join(root, f), os.path.join(dest, rel))
    log(f"result files kept in {dest}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zc", required=True, help="the zc-bench binary")
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--reps", default="10",
                   help="repetitions per run (0: zc-bench's default; auto: --reps auto --precision 3%%)")
    # 1G: a repetition spans ~16 quota periods, so where in a period it
    # starts hardly matters (256M: 4-5 periods, slowdowns of 2-22% per run).
    p.add_argument("--size", default="1G")
    p.add_argument("--chunk", default="1M", help="'default': zc-bench's")
    p.add_argument("--strategy", default="read-write",
                   help="the run(s) of the A/A and slowdown pairs, comma-separated")
    p.add_argument("--sink", default="null")
    p.add_argument("--slowdown", type=float, default=20,
                   help="percent of --cpus CPUs the quota takes away")
    p.add_argument("--cpus", type=float, default=1,
                   help="CPUs the runs keep busy (tcp: 2, the sender and the receiver); the quota "
                        "is (100 - slowdown)%% of them")
    p.add_argument("--source", choices=("file", "generated"), default="file",
                   help="file: one --file for every run; generated: each invocation writes its "
                        "own source of --size, as a user's run does")
    p.add_argument("--period-us", type=int, default=10000, help="the quota's period")
    p.add_argument("--thresholds", default="5,10", help="compare --threshold values to report")
    p.add_argument("--rank-runs", type=int, default=5)
    p.add_argument("--no-boost", dest="boost", action="store_false",
                   help="leave the cgroups' CPU weight at its default (other load sets the pace)")
    p.add_argument("--keep", default="",
                   help="copy the runs' result files (round*/a,b,s.json, rank*.json) into this folder, "
                        "so that compare can be re-run on them later")
    p.add_argument("--skip", default="", help="comma-separated parts to skip: pairs, ranking, auto")
    p.add_argument("--out", default=None, help="raw figures (default results/bench-compare-<time>.json)")
    a = p.parse_args()
    a.thresholds = [int(t) if float(t).is_integer() else float(t) for t in a.thresholds.split(",")]
    skip = set(filter(None, a.skip.split(",")))
    out = a.out or time.strftime("results/bench-compare-%Y%m%dT%H%M%SZ.json", time.gmtime())

    raw = {"args": vars(a), "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zcb-bench-compare-") as workdir:
        b = Bench(a, workdir)
        # SIGTERM: unwind through the finally below (cgroups, temp folder).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            if "pairs" not in skip:
                try:
                    b.groups = CpuGroups(a.cpus * (1 - a.slowdown / 100), a.period_us, a.boost)
                except (RuntimeError, OSError) as e:
                    log(f"\n== 1+2. skipped: cannot throttle: {e} (needs root and a CPU cgroup controller) ==")
                if b.groups:
                    if a.boost:
                        log("both groups have the largest CPU weight: the runs take a CPU ahead of "
                            "other load, so the quota, not the neighbours, sets the slow runs' pace "
                            "(--no-boost: default weight)")
                    log(f"runs A and B inside {b.groups.describe('base')}")
                    log(f"runs S inside {b.groups.describe('slow')}")
                    report_pairs(a, pairs(b, a, raw), raw)
            if "ranking" not in skip:
                ranking(b, a, raw)
            if "auto" not in skip:
                reps_auto(b, a, raw)
            if a.keep:
                keep_results(workdir, a.keep)
        finally:
            if b.groups:
                b.groups.remove()
    raw["seconds"] = time.monotonic() - t0
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        json.dump(raw, f, indent=1)
    log(f"\nbench-compare took {raw['seconds']:.0f} s; raw figures: {out}")


if __name__ == "__main__":
    main()
