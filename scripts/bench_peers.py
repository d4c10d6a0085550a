#!/usr/bin/env python3
"""zc-bench against its peers, measured side by side (see scripts/bench-peers).

Each pair runs zc-bench and the peer on the same file size, block size and
page-cache state, alternating which goes first, for several rounds; the
table shows the median of each side and the ratio. Absolute numbers drift
on shared machines; the ratios within one run are what to read.
"""
import argparse
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MB = 1e6


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def median_interval(values, level=0.95):
    """A distribution-free interval of the median of `values`: order
    statistics (x_(k), x_(n+1-k)) whose binomial coverage is at least
    `level`, or the widest one (min, max) with its coverage when there are
    too few values for `level` (5 values: 93.75% at most)."""
    xs = sorted(values)
    n = len(xs)
    if n < 2:
        return None
    best = (xs[0], xs[-1], 1 - 2 * 0.5 ** n)
    for k in range(1, n // 2 + 1):
        # P(x_(k) <= median <= x_(n+1-k)) = 1 - 2 P(Binomial(n, 1/2) <= k - 1)
        cover = 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if cover < level:
            break
        best = (xs[k - 1], xs[n - k], cover)
    return best


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args, workdir):
        self.a = args
        self.workdir = workdir
        self.size = parse_size(args.size)
        self.chunk = parse_size(args.chunk)
        self.tcp_chunk = parse_size(args.tcp_chunk)
        self.file = os.path.join(workdir, "source.bin")
        with open(self.file, "wb") as f:  # incompressible, like zc-bench's own sources
            for _ in range(self.size // (1 << 20)):
                f.write(os.urandom(1 << 20))
        self.strategies = self.list_strategies()
        # zc-bench's --pin auto: sender on the first allowed CPU, receiver on
        # the second; every peer is pinned the same way (--pin none: none is).
        allowed = sorted(os.sched_getaffinity(0))
        self.cpus = allowed[:2] if args.pin == "auto" and len(allowed) >= 2 else None

    def list_strategies(self):
        out = subprocess.run([self.a.zc, "list", "--json"], capture_output=True, text=True, check=True)
        return {s["id"]: s for s in json.loads(out.stdout)}

    def warm(self):
        with open(self.file, "rb") as f:
            while f.read(1 << 20):
                pass

    # -- zc-bench -----------------------------------------------------------
    def zc(self, strategy, sink, extra=(), chunk=None):
        result = self.zc_once(strategy, sink, extra, chunk)
        if sink == "tcp":
            # The receiver polls an empty socket by default (--receiver-poll):
            # its CPU then tracks its wall time. Its cost against iperf3's
            # server, which sleeps, comes from a run whose receiver sleeps too.
            asleep = self.zc_once(strategy, sink, (*extra, "--receiver-poll", "0"), chunk)
            result["receiver_cpu_ns_per_byte_polling"] = result["receiver_cpu_ns_per_byte"]
            result["receiver_cpu_ns_per_byte"] = asleep["receiver_cpu_ns_per_byte"]
            result["throughput_receiver_asleep"] = asleep["throughput"]
        return result

    def zc_once(self, strategy, sink, extra=(), chunk=None):
        out = os.path.join(self.workdir, "zc.json")
        cmd = [self.a.zc, "run", "-s", strategy, "--sink", sink, "--file", self.file,
               "--chunk", str(chunk or self.chunk), "--reps", str(self.a.reps), "--warmup", "1",
               "-q", "-o", out, *self.pin_args(), *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if not os.path.exists(out):
            raise RuntimeError(f"zc-bench failed: {proc.stderr.strip()}")
        run = json.load(open(out))["runs"][0]
        if run["status"] != "ok":
            raise RuntimeError(f"{run['status']}: {run.get('reason', '')}")
        m = run["metrics"]
        rx = m.get("receiver_cpu_ns_per_byte", {})
        return {"throughput": m["throughput_bytes_per_s"]["median"],
                "cv": m["throughput_bytes_per_s"].get("cv"), "verified": run["verified"],
                "verification": run.get("verification"),
                "sender_cpu_ns_per_byte": m["sender_cpu_ns_per_byte"].get("median"),
                "receiver_cpu_ns_per_byte": rx.get("median") if rx.get("available", True) else None}

    # -- placement: every side pinned as zc-bench pins itself (--pin auto) --
    def pin_args(self):
        if self.cpus is None:
            return ["--pin", "none"]
        return ["--pin", f"sender:{self.cpus[0]},receiver:{self.cpus[1]}"]

    # -- iperf3 -------------------------------------------------------------
    def iperf3(self, zerocopy, from_file=False, chunk=None):
        """iperf3 over loopback. With from_file, the client sends the source
        file once (-F: read() it into the buffer, write() the buffer), the
        data path of zc-bench's read-write; the median of --reps passes."""
        if from_file:
            self.warm()
            passes = [self.iperf3_once(zerocopy, ["-F", self.file], chunk) for _ in range(self.a.reps)]
            return {k: statistics.median(p[k] for p in passes) for k in passes[0]}
        # The same bytes as zc-bench's measured repetitions, in the same write size.
        return self.iperf3_once(zerocopy, ["-n", str(self.size * self.a.reps)], chunk)

    def iperf3_once(self, zerocopy, what, chunk=None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            # -A client,server: pinned where zc-bench pins its sender and receiver.
            pin = ["-A", f"{self.cpus[0]},{self.cpus[1]}"] if self.cpus else []
            cmd = ["iperf3", "-c", "127.0.0.1", "-p", str(port), *what, *pin,
                   "-l", str(chunk or self.chunk), "-J"] + (["-Z"] if zerocopy else [])
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            doc = json.loads(proc.stdout)
            if "error" in doc:
                raise RuntimeError("iperf3: " + doc["error"])
            end = doc["end"]
            got = end["sum_received"]
            # iperf3's CPU figures are getrusage() (user + system) over its
            # wall time, in percent, per side: the server is "remote".
            cpu_s = lambda pct: pct / 100 * got["seconds"]
            return {"throughput": got["bits_per_second"] / 8,
                    "receiver_cpu_ns_per_byte":
                        cpu_s(end["cpu_utilization_percent"]["remote_total"]) * 1e9 / got["bytes"],
                    "sender_cpu_ns_per_byte":
                        cpu_s(end["cpu_utilization_percent"]["host_total"]) * 1e9 / got["bytes"]}
        finally:
            server.wait(timeout=30) if server.poll() is None and not server.kill() else None

    # -- fio ----------------------------------------------------------------
    def fio(self, engine, direct=False, iodepth=1):
        if not direct:
            self.warm()
        cmd = ["fio", "--name=peer", f"--filename={self.file}", "--rw=read", f"--bs={self.chunk}",
               f"--ioengine={engine}", "--invalidate=0", f"--size={self.size}",
               f"--loops={self.a.reps}", f"--iodepth={iodepth}", f"--direct={int(direct)}",
               "--output-format=json"] + ([f"--cpus_allowed={self.cpus[0]}"] if self.cpus else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError("fio: " + (proc.stderr.strip().splitlines() or ["failed"])[-1])
        job = json.loads(proc.stdout[proc.stdout.index("{"):])["jobs"][0]
        if job.get("error"):
            raise RuntimeError(f"fio error {job['error']}")
        return {"throughput": job["read"]["bw_bytes"]}

    def bare(self, mode):
        pin = [str(self.cpus[0])] if self.cpus else []
        out = subprocess.run([self.a.bare, mode, self.file, str(self.chunk), str(self.a.reps), *pin],
                             capture_output=True, text=True, check=True)
        rate, cpu = out.stdout.split()
        return {"throughput": float(rate), "sender_cpu_ns_per_byte": float(cpu)}


# Pairs whose two sides do different work, whatever the ratio says.
CAVEATS = {
    ("read-write", "iperf3"): "iperf3 writes one cache-hot buffer: no file read, a CPU copy fewer "
                              "than read-write (the -F FILE row is the same data path)",
    ("mmap-write", "fio mmap"): "write() to /dev/null never reads the mapped pages; fio's mmap "
                                "engine memcpy()s them: this ratio is the syscall path only",
    ("splice", "fio splice"): "zc-bench splices the pipe into /dev/null (no copy); fio's splice "
                              "engine vmsplice()s it into user memory (a copy)",
}


def pairs(b):
    tcp = b.tcp_chunk
    return [
        ("loopback tcp", "sendfile", "iperf3 -Z", 1.05,
         lambda: b.zc("sendfile", "tcp", chunk=tcp), lambda: b.iperf3(True, chunk=tcp)),
        ("loopback tcp", "read-write", "iperf3", 1.0,
         lambda: b.zc("read-write", "tcp", chunk=tcp), lambda: b.iperf3(False, chunk=tcp)),
        ("loopback tcp", "read-write", "iperf3 -F FILE", 1.0,
         lambda: b.zc("read-write", "tcp", chunk=tcp),
         lambda: b.iperf3(False, from_file=True, chunk=tcp)),
        ("file -> /dev/null, hot", "read-write", "fio psync", 1.0,
         lambda: b.zc("read-write", "null"), lambda: b.fio("psync")),
        ("file -> /dev/null, hot", "mmap-write", "fio mmap", 1.0,
         lambda: b.zc("mmap-write", "null"), lambda: b.fio("mmap")),
        ("file -> /dev/null, hot", "splice", "fio splice", 1.0,
         lambda: b.zc("splice", "null"), lambda: b.fio("splice")),
        # direct-io is one synchronous O_DIRECT pread at a time (--qd is for
        # the io_uring strategies): fio's io_uring at the same depth, 1.
        ("O_DIRECT read -> /dev/null", "direct-io", "fio io_uring direct=1 qd1", 1.0,
         lambda: b.zc("direct-io", "null"), lambda: b.fio("io_uring", direct=True, iodepth=1)),
        ("harness overhead", "read-write", "bare loop (same syscalls)", 0.99,
         lambda: b.zc("read-write", "null"), lambda: b.bare("read-write")),
        ("harness overhead", "sendfile", "bare loop (same syscalls)", 0.99,
         lambda: b.zc("sendfile", "null"), lambda: b.bare("sendfile")),
    ]


def median_of(runs, key):
    xs = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(xs) if xs else None


def explain_bare(entry):
    """Why a harness-overhead ratio falls outside 0.95-1.05, measured on the
    same runs. Throughput = CPU share / CPU per byte (share: CPU seconds per
    wall second), so the ratio splits exactly into the two sides' CPU share
    (what the machine gave each: other load, steal, migration) and their CPU
    per byte (the work each did per byte)."""
    zc_cpu = median_of(entry["zc_bench"], "sender_cpu_ns_per_byte")
    bare_cpu = median_of(entry["peer_runs"], "sender_cpu_ns_per_byte")
    if not zc_cpu or not bare_cpu:
        return None
    zc_share = entry["zc_median"] * zc_cpu * 1e-9
    bare_share = entry["peer_median"] * bare_cpu * 1e-9
    work = bare_cpu / zc_cpu        # > 1: the bare loop spent more CPU per byte
    share = zc_share / bare_share   # < 1: zc-bench was given less CPU
    entry.update({"zc_cpu_ns_per_byte": zc_cpu, "bare_cpu_ns_per_byte": bare_cpu,
                  "zc_cpu_share": zc_share, "bare_cpu_share": bare_share,
                  "cpu_share_ratio": share, "cpu_per_byte_ratio_bare_over_zc": work})
    if 0.95 <= entry["ratio"] <= 1.05:
        return None
    cause = ("CPU share: the two did the same work per byte, one was given less CPU (other load "
             "on this machine), not harness overhead" if 0.95 <= work <= 1.05 else
             "CPU per byte: the two did different work per byte" if 0.95 <= share <= 1.05 else
             "both")
    return (f"ratio {entry['ratio']:.2f} = CPU share {share:.2f} (zc-bench {zc_share:.0%} of a CPU, "
            f"bare {bare_share:.0%}) x CPU per byte {work:.2f} (zc-bench {zc_cpu:.4f}, bare "
            f"{bare_cpu:.4f} ns/B); cause: {cause}")


def receiver_cost(todo, raw, results):
    """The receivers' CPU per byte on the loopback TCP pairs: zc-bench's
    verifying receiver (its receiver_cpu_ns_per_byte, from a run of the same
    round with --receiver-poll 0: a receiver that sleeps, as iperf3's does)
    against iperf3's server (iperf3 -J's remote CPU over the bytes it received)."""
    rows = []
    for i, (group, strat, peer, *_rest) in enumerate(todo):
        if not peer.startswith("iperf3"):
            continue
        zc = median_of(raw[i]["zc"], "receiver_cpu_ns_per_byte")
        pe = median_of(raw[i]["peer"], "receiver_cpu_ns_per_byte")
        if zc is None or pe is None:
            continue
        per_round = [z["receiver_cpu_ns_per_byte"] / q["receiver_cpu_ns_per_byte"]
                     for z, q in zip(raw[i]["zc"], raw[i]["peer"])
                     if z.get("receiver_cpu_ns_per_byte") and q.get("receiver_cpu_ns_per_byte")]
        ci = median_interval(per_round)
        caveat = ("zc-bench's receiver copies a file's pages from DRAM (sendfile: nobody touched "
                  "them before); iperf3 -Z's server copies the same cache-resident 128K over and over"
                  if peer == "iperf3 -Z" else None)
        rows.append({"strategy": strat, "peer": peer, "caveat": caveat,
                     "zc_receiver_ns_per_byte": zc,
                     "peer_receiver_ns_per_byte": pe, "ratio": zc / pe, "target_ratio_max": 1.1,
                     "met": zc / pe <= 1.1, "ratio_per_round": per_round,
                     "ratio_ci": ci[:2] if ci else None})
    results["receiver_cost"] = rows
    if not rows:
        return
    print(f"\n{'receiver CPU per byte':<28} {'zc-bench':<11} {'peer':<28} {'zc ns/B':>9} "
          f"{'peer ns/B':>10} {'ratio':>6} {'interval':>11} {'target':>7}  met")
    for r in rows:
        cell = f"{r['ratio_ci'][0]:.2f}-{r['ratio_ci'][1]:.2f}" if r["ratio_ci"] else "n/a"
        print(f"{'loopback tcp receiver':<28} {r['strategy']:<11} {r['peer'] + ' server':<28} "
              f"{r['zc_receiver_ns_per_byte']:>9.4f} {r['peer_receiver_ns_per_byte']:>10.4f} "
              f"{r['ratio']:>6.2f} {cell:>11} {'<=1.10':>7}  {'yes' if r['met'] else 'NO'}"
              f"{'*' if r['caveat'] else ''}")
        if r["caveat"]:
            print(f"{'':<28} -> * {r['caveat']}")


def peak_rss(b, size_text):
    """Peak RSS of zc-bench moving a large file, per strategy: the run's own
    sender_peak_rss_bytes (VmHWM over the repetition, reset before its sink and
    buffers were set up). The memcpy calibration before the runs holds two
    buffers for a moment; they are reported apart, from the same JSON."""
    path = os.path.join(b.workdir, "rss.bin")
    size = parse_size(size_text)
    with open(path, "wb") as f:  # sparse is enough: only memory use is measured here
        f.truncate(size)
    rows = []
    for sid, info in b.strategies.items():
        if info["workload"] != "transfer" or not info["supported"] or sid == "copy-file-range":
            continue
        out = os.path.join(b.workdir, "rss.json")
        for sink in ("null", "tcp"):  # socket-only strategies refuse null with exit 2
            proc = subprocess.run([b.a.zc, "run", "-s", sid, "--sink", sink, "--file", path,
                                   "--chunk", "1M", "--reps", "1", "--warmup", "0", "-q", "-o", out],
                                  capture_output=True, text=True)
            if proc.returncode != 2:
                break
        maps_file = any(h["from"] == "mapped page cache" for h in info["ledger"]["hops"]) or \
            sid == "msg-zerocopy"
        row = {"strategy": sid, "sink": sink, "file_bytes": size, "maps_file": maps_file,
               "exit_status": proc.returncode}
        try:
            doc = json.load(open(out))
            run = doc["runs"][0]
            m = run["metrics"]["sender_peak_rss_bytes"]
            row["peak_rss_bytes"] = m["max"] if m.get("available") else None
            row["reason"] = m.get("reason") or (run.get("reason") if run["status"] != "ok" else None)
            cal = doc["environment"].get("calibration", {})
            row["calibration_buffers_bytes"] = 2 * cal.get("dram", {}).get("buffer_bytes", 0)
        except (OSError, ValueError, KeyError, IndexError) as e:
            row["peak_rss_bytes"] = None
            row["reason"] = f"no result ({e}): {proc.stderr.strip()[-200:]}"
        rows.append(row)
    os.unlink(path)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--zc", required=True)
    p.add_argument("--bare", required=True)
    p.add_argument("--size", default="256M")
    p.add_argument("--chunk", default="1M", help="block size of the file pairs")
    p.add_argument("--tcp-chunk", default="128K",
                   help="write size of the loopback TCP pairs (zc-bench --chunk, iperf3 -l)")
    p.add_argument("--pin", choices=["auto", "none"], default="auto",
                   help="auto: zc-bench, the bare loop, fio and iperf3 all on the first two allowed "
                        "CPUs (sender, receiver), as zc-bench's --pin auto; none: the scheduler")
    p.add_argument("--rounds", type=int, default=5,
                   help="alternating rounds per pair; loopback TCP on a 2-vCPU VM needs 5+ for a stable median")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--rss-size", default="4G", help="file size for the memory check ('0' skips it)")
    p.add_argument("--only", default="", help="substring filter on the zc-bench strategy")
    p.add_argument("-o", "--output", default="")
    a = p.parse_args()

    # SIGTERM ends the script through its finally: the work folder goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix="zc-peers.", dir=os.environ.get("TMPDIR", "/var/tmp"))
    results = {"schema": "zc-bench-peers/2", "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "size": a.size, "chunk": a.chunk, "tcp_chunk": a.tcp_chunk, "pin": a.pin, "rounds": a.rounds, "reps": a.reps, "pairs": []}
    try:
        b = Bench(a, workdir)
        env = subprocess.run([a.zc, "env", "--json"], capture_output=True, text=True)
        results["environment"] = json.loads(env.stdout) if env.returncode == 0 else {}
        todo = [x for x in pairs(b) if a.only in x[1]]
        raw = {i: {"zc": [], "peer": [], "error": None} for i in range(len(todo))}
        for rnd in range(a.rounds):
            for i, (group, strat, peer, target, run_zc, run_peer) in enumerate(todo):
                if raw[i]["error"]:
                    continue
                if strat not in b.strategies:
                    raw[i]["error"] = f"zc-bench has no strategy '{strat}'"
                    continue
                log(f"round {rnd + 1}/{a.rounds}: {strat} vs {peer}")
                order = [("zc", run_zc), ("peer", run_peer)]
                if rnd % 2:
                    order.reverse()  # alternate who goes first
                try:
                    for side, fn in order:
                        raw[i][side].append(fn())
                except Exception as e:  # a missing feature is a result, not a crash
                    raw[i]["error"] = str(e)
        print(f"\n{'pair':<28} {'zc-bench':<11} {'peer':<28} {'zc MB/s':>9} {'peer MB/s':>10} "
              f"{'ratio':>6} {'interval':>11} {'target':>7}  met")
        for i, (group, strat, peer, target, _, _) in enumerate(todo):
            r = raw[i]
            entry = {"group": group, "strategy": strat, "peer": peer, "target_ratio": target,
                     "zc_bench": r["zc"], "peer_runs": r["peer"]}
            if r["error"] or not r["zc"] or not r["peer"]:
                entry["error"] = r["error"] or "no measurement"
                print(f"{group:<28} {strat:<11} {peer:<28} {'':>9} {'':>10} {'':>6} {'':>11} {target:>7.2f}  "
                      f"n/a: {entry['error']}")
            else:
                zc = statistics.median(x["throughput"] for x in r["zc"])
                pe = statistics.median(x["throughput"] for x in r["peer"])
                caveat = CAVEATS.get((strat, peer))
                entry.update({"zc_median": zc, "peer_median": pe, "ratio": zc / pe,
                              "met": zc / pe >= target})
                # The rounds are paired (one ratio per round, alternating
                # who went first): the interval is that of the median ratio.
                per_round = [z["throughput"] / q["throughput"] for z, q in zip(r["zc"], r["peer"])]
                ci = median_interval(per_round)
                cell = f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else "n/a"
                if ci:
                    entry.update({"ratio_per_round": per_round, "ratio_ci_low": ci[0],
                                  "ratio_ci_high": ci[1], "ratio_ci_coverage": ci[2]})
                if caveat:
                    entry["caveat"] = caveat
                verdict = "yes" if entry["met"] else "NO"
                print(f"{group:<28} {strat:<11} {peer:<28} {zc / MB:>9.0f} {pe / MB:>10.0f} "
                      f"{zc / pe:>6.2f} {cell:>11} {target:>7.2f}  {verdict + ('*' if caveat else '')}")
                if group == "harness overhead":
                    why = explain_bare(entry)
                    if why:
                        entry["explanation"] = why
                        print(f"{'':<28} -> {why}")
            results["pairs"].append(entry)
        receiver_cost(todo, raw, results)
        if a.rss_size != "0":
            log(f"peak memory with a {a.rss_size} file, 1 MiB chunks...")
            results["peak_rss"] = peak_rss(b, a.rss_size)
            print(f"\npeak RSS of zc-bench while moving a {a.rss_size} file in 1 MiB chunks "
                  "(VmHWM over the repetition, sender_peak_rss_bytes):")
            for row in results["peak_rss"]:
                note = "maps the file: RSS grows with it" if row["maps_file"] else "must be O(chunk)"
                if row["peak_rss_bytes"] is None:
                    print(f"  {row['strategy']:<18} {'n/a':>8}      ({row['reason']})")
                else:
                    print(f"  {row['strategy']:<18} {row['peak_rss_bytes'] / MB:>8.1f} MB   "
                          f"({note}; {row['sink']} sink)")
            cal = max((r.get("calibration_buffers_bytes", 0) for r in results["peak_rss"]), default=0)
            if cal:
                print(f"  before the runs, the memcpy calibration holds {cal / MB:.0f} MB for about "
                      "0.15 s (two buffers of twice the last-level cache, capped), then frees them")
        covers = sorted({round(e["ratio_ci_coverage"] * 100, 2) for e in results["pairs"]
                         if "ratio_ci_coverage" in e})
        if covers:
            print(f"\ninterval: of the median of the per-round ratios (order statistics; coverage "
                  f"{', '.join(f'{c:g}%' for c in covers)} with {a.rounds} rounds; 95% needs 6+)")
        print("\n* not like for like:")
        for (strat, peer), text in CAVEATS.items():
            print(f"  {strat} vs {peer}: {text}")
        print("zc-bench's receiver hashes every byte (XXH3) of every repetition; iperf3's server "
              "discards them. iperf3 -Z sends one cache-resident buffer over and over; zc-bench "
              "sendfile()s a real file from the page cache, so its receiver's copy is the first CPU "
              "touch of each byte (from DRAM): the read-write vs iperf3 -F FILE row is the like-for-"
              "like receiver comparison (both receive bytes the sender has just copied). Kernel "
              "counters are off in zc-bench's timed repetitions (they run in its untimed evidence "
              "repetition). zc-bench's loopback throughput is with its default receiver, which polls "
              "an empty socket for 50 us before it sleeps (--receiver-poll, README); its receiver "
              "CPU per byte is from a run of the same round with --receiver-poll 0, whose receiver "
              "sleeps as iperf3's server does.")
        if b.cpus:
            print(f"Placement: zc-bench --pin sender:{b.cpus[0]},receiver:{b.cpus[1]}; the bare loop "
                  f"and fio on CPU {b.cpus[0]}; iperf3 -A {b.cpus[0]},{b.cpus[1]} (client, server).")
    finally:
        for f in os.listdir(workdir):
            os.unlink(os.path.join(workdir, f))
        os.rmdir(workdir)
    out = a.output or time.strftime("results/peers-%Y%m%dT%H%M%SZ.json", time.gmtime())
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    log(f"raw figures: {out}")


if __name__ == "__main__":
    main()
