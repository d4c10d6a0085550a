#!/usr/bin/env bash
# The README's command lines run as written, with small sizes: every line of
# its ```sh blocks (each block as one script) and every `$ ` line of its
# other blocks, from a scratch folder that looks like the source tree
# (scripts/ and build/ link to the real ones, results/ is fresh), with the
# binary under test first on PATH. Substitutions, so that nothing takes long
# or touches the system:
#   run (zc-bench run, scripts/run): --size 1M (4M with --chunk, 32M and
#     -s recv-write for the broker, 256K for
#     the append workload), --reps 2, --warmup 0 added;
#   scripts/run: ZC_NO_BUILD=1 (the build under test, as it is);
#   sink --listen ADDR:7700 runs in the background on 127.0.0.1 and a free
#     port, which remote:HOST:7700 then names; it is stopped after the block;
#   cmake --build is dropped (the build is the one under test) and
#     --prefix /usr/local becomes a temporary prefix;
#   scripts/test (this suite itself) and scripts/bench-peers (minutes,
#     installs fio and iperf3) are not run and say so.
# compare may exit 1 (a regression between two noisy runs is an answer).
# Each block runs with `set -e` and at most 5 minutes.
# Then: every option of every subcommand's --help appears in the README.
set -u
bin=$1; src=$2
build=$(cd "$(dirname "$bin")" && pwd)
tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/server.pid" ] && kill "$(cat "$tmp/server.pid")" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/tree/results" "$tmp/bin"
ln -s "$src/scripts" "$tmp/tree/scripts"
ln -s "$build" "$tmp/tree/build"
ln -s "$bin" "$tmp/bin/zc-bench"
port=$((17000 + $$ % 2000))

python3 - "$src/README.md" "$tmp" "$port" <<'PY' || exit 1
import os, re, subprocess, sys
readme, tmp, port = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(readme).read()

def small(line):
    """Small sizes and few repetitions for run commands."""
    if not re.search(r"\bzc-bench run\b|\bscripts/run\b", line):
        return line
    append = "--preset append" in line or "--workload append" in line
    # The broker needs a log of 4 times its smallest --cache-limit (8M).
    broker = "--preset broker" in line or "--workload broker" in line
    size = "256K" if append else "32M" if broker else "4M" if "--chunk" in line else "1M"
    if broker and not re.search(r"(-s|--strategy) ", line):
        line += " -s recv-write"  # one ingest strategy: 7 runs, not 28
    line, n = re.subn(r"--size \S+", f"--size {size}", line)
    if not n:
        line += f" --size {size}"
    line, n = re.subn(r"--reps \S+", "--reps 2", line)
    if not n:
        line += " --reps 2"
    if "--warmup" not in line:
        line += " --warmup 0"
    return line

def adapt(block):
    """A README block as a script the test can run; None with why not."""
    out = []
    for raw in block.splitlines():
        line = re.sub(r"\s+#[^'\"]*$", "", raw)  # trailing comments
        if not line.strip():
            continue
        word = line.split()[0]
        if word in ("scripts/test", "scripts/bench-peers"):
            print(f"skipped: {line.strip()} ({'this suite itself' if word == 'scripts/test' else 'minutes, installs fio and iperf3'})")
            continue
        line = line.replace("cmake --build build && ", "")
        line = line.replace("--prefix /usr/local", f"--prefix {tmp}/prefix")
        if re.match(r"\s*scripts/run\b", line):
            line = "ZC_NO_BUILD=1 " + line
        if "sink --listen" in line:
            line = re.sub(r"--listen \S+", f"--listen 127.0.0.1:{port}", line)
            line += f" >{tmp}/server.log 2>&1 & echo $! >{tmp}/server.pid; sleep 1"
        line = re.sub(r"remote:HOST:\d+", f"remote:127.0.0.1:{port}", line)
        if re.match(r"\s*(build/)?zc-bench compare", line) and "||" not in line:
            line += " || [ $? -eq 1 ]"  # 1: a regression found, an answer too
        out.append(small(line))
    return "\n".join(out)

scripts = []
for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
    if lang == "sh":
        scripts.append(adapt(body))
    else:
        for line in body.splitlines():
            if line.startswith("$ "):
                scripts.append(adapt(line[2:]))
env = dict(os.environ, PATH=f"{tmp}/bin:" + os.environ["PATH"], ZC_BUILD=f"{tmp}/tree/build",
           GITHUB_STEP_SUMMARY=f"{tmp}/summary.md", COLUMNS="80")
env.pop("ZC_BENCH_EXE", None)
failed = 0
for script in filter(None, scripts):
    for i, line in enumerate(script.splitlines()):
        print(("$ " if i == 0 else "  ") + line)
    r = subprocess.run(["bash", "-c", "set -e\n" + script], cwd=f"{tmp}/tree", env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    if os.path.exists(f"{tmp}/server.pid"):
        subprocess.run(["kill", open(f"{tmp}/server.pid").read().strip()], stderr=subprocess.DEVNULL)
        os.remove(f"{tmp}/server.pid")
    print(f"  -> exit {r.returncode}" + ("" if r.returncode == 0 else " FAIL"))
    if r.returncode != 0:
        print(r.stdout[-3000:])
        failed += 1
sys.exit(1 if failed else 0)
PY

# Every option the binary has is documented.
missing=0
for sub in $("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}'); do
  for opt in $("$bin" "$sub" --help | grep -oE -- '(^|[ ,])--[a-z][-a-z0-9]*' | tr -d ' ,' | sort -u); do
    [ "$opt" = --help ] && continue
    grep -qF -- "$opt" "$src/README.md" || { echo "FAIL: README does not mention $sub $opt"; missing=1; }
  done
done
[ $missing -eq 0 ] && echo "ok: every option of every subcommand is in the README"
exit $missing
