#!/usr/bin/env bash
# A fleet without a cluster: three "nodes" (a network namespace and a UTS
# namespace each, so each has its own hostname, on one bridge), each
# running the sink server exactly as the rendered DaemonSet says (its args,
# its token from the Secret, its user), and the sender Jobs that
# scripts/fleet-plan writes for them, run from the rendered manifests
# (nodeSelector -> the namespace, args, env, user) with stdout and stderr
# in one log as `kubectl logs` gives them. The logs are merged
# (--from-logs), validated against the zc-bench/1 schema, compared and
# plotted: the pair matrix names every sender and receiver.
set -u
bin=$1 src=$2
[ "$(id -u)" -eq 0 ] || { echo "skipped: namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root)"; exit 77; }
command -v kubectl >/dev/null || { echo "skipped: kubectl is not installed (scripts/lib.sh installs kubernetes-client)"; exit 77; }
command -v unshare >/dev/null && command -v setpriv >/dev/null ||
  { echo "skipped: unshare and setpriv (util-linux) are needed"; exit 77; }
python3 -c 'import jsonschema, yaml' 2>/dev/null || { echo "skipped: python3-jsonschema and python3-yaml are needed"; exit 77; }
tmp=$(mktemp -d)
# Named like zc-bench's own, after this shell, so a leftover is swept.
hub=zcb-$$-f-hub
nodes=(node-a node-b node-c)
ns() { echo "zcb-$$-f-${1#node-}"; }
servers=()
cleanup() {
  for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for n in "${nodes[@]}"; do ip netns delete "$(ns "$n")" 2>/dev/null; done
  ip netns delete $hub 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
cp "$bin" "$tmp/zc-bench" && chmod 755 "$tmp/zc-bench"

ip netns add $hub && ip -n $hub link add br0 type bridge && ip -n $hub link set br0 up ||
  { echo "FAIL: could not build the hub namespace"; exit 1; }
i=0
for n in "${nodes[@]}"; do
  i=$((i + 1))
  ip netns add "$(ns "$n")" &&
    ip link add zf-$i netns "$(ns "$n")" type veth peer name zf-$i-br netns $hub &&
    ip -n $hub link set zf-$i-br master br0 && ip -n $hub link set zf-$i-br up &&
    ip -n "$(ns "$n")" addr add 10.79.0.$i/24 dev zf-$i &&
    ip -n "$(ns "$n")" link set zf-$i up && ip -n "$(ns "$n")" link set lo up ||
    { echo "FAIL: could not build node $n"; exit 1; }
done

# The plan, rendered: every ordered pair, a small comparison each.
"$src/scripts/fleet-plan" -o "$tmp/fleet" node-a=10.79.0.1 node-b=10.79.0.2 node-c=10.79.0.3 \
  -- -s sendfile,read-write --size 2M --reps 3 --warmup 0 2>"$tmp/plan.err" &&
  kubectl kustomize "$tmp/fleet" >"$tmp/fleet.yaml" 2>>"$tmp/plan.err" ||
  { echo "FAIL: plan"; cat "$tmp/plan.err"; exit 1; }
# One line per container to start: NODE (or '*' for every node), user,
# env (NAME=VALUE,...), then the args; Secrets resolved as Kubernetes would.
python3 - "$tmp/fleet.yaml" >"$tmp/pods" <<'PY' || { echo "FAIL: reading the manifests"; exit 1; }
import base64, shlex, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
secrets = {d["metadata"]["name"]: dict(d.get("stringData", {}), **{
    k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}) for d in docs if d["kind"] == "Secret"}
for d in docs:
    if d["kind"] not in ("DaemonSet", "Job"):
        continue
    pod = d["spec"]["template"]["spec"]
    c = pod["containers"][0]
    env = []
    for e in c.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        env.append(f'{e["name"]}={secrets[ref["name"]][ref["key"]] if ref else e["value"]}')
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    node = pod.get("nodeSelector", {}).get("kubernetes.io/hostname", "*")
    user = c.get("securityContext", {}).get("runAsUser", 0)
    args = ["@SCRATCH@" if a in mounts else a for a in c["args"]]
    print(d["kind"], node, user, ",".join(env), shlex.join(args))
PY
token=$(sed -n 's/^ZC_SINK_TOKEN=//p' "$tmp/fleet/token.env")
[ ${#token} -eq 32 ] || { echo "FAIL: fleet-plan made no token"; exit 1; }
grep -q "^DaemonSet \* 65534 ZC_SINK_TOKEN=$token sink --listen 0.0.0.0:7700$" "$tmp/pods" ||
  { echo "FAIL: unexpected sink server:"; cat "$tmp/pods"; exit 1; }
[ "$(grep -c '^Job ' "$tmp/pods")" -eq 6 ] || { echo "FAIL: not 6 Jobs:"; cat "$tmp/pods"; exit 1; }

# on_node NODE USER ENV CMD...: as a container of that node would run.
on_node() {
  local node=$1 user=$2 env=$3; shift 3
  # exec: a server started with & is then the process whose id $! holds.
  exec ip netns exec "$(ns "$node")" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$node" \
    env -i PATH=/usr/bin:/bin HOME=/ ${env//,/ } \
    setpriv --reuid="$user" --regid="$user" --clear-groups "$@"
}

read -r _ _ user env args < <(grep '^DaemonSet ' "$tmp/pods")
for n in "${nodes[@]}"; do
  eval "set -- $args"
  on_node "$n" "$user" "$env" "$tmp/zc-bench" "$@" --idle-timeout 5 2>"$tmp/sink-$n.log" &
  servers+=($!)
done
for n in "${nodes[@]}"; do
  for _ in $(seq 50); do grep -q listening "$tmp/sink-$n.log" 2>/dev/null && break; sleep 0.1; done
  grep -q listening "$tmp/sink-$n.log" || { echo "FAIL: no sink server on $n"; cat "$tmp/sink-$n.log"; exit 1; }
done

# The Jobs, one at a time (their anti-affinity would let no two of them
# share a node), each with its own scratch folder for the volume.
logs=()
while read -r _ node user env args; do
  eval "set -- $args"
  job=$(echo "$args" | grep -o 'remote:[^ ]*' | tr ':.' '--')
  mkdir -m 777 "$tmp/scratch-$node-$job"
  set -- "${@//@SCRATCH@/$tmp/scratch-$node-$job}"
  (on_node "$node" "$user" "$env" "$tmp/zc-bench" "$@") >"$tmp/$node-$job.log" 2>&1 ||
    { echo "FAIL: the Job on $node ($*)"; cat "$tmp/$node-$job.log"; exit 1; }
  logs+=("$tmp/$node-$job.log")
done < <(grep '^Job ' "$tmp/pods")
echo "ok   6 Jobs ran; a log looks like:"; sed 's/^/     /' "${logs[0]}" | grep -v '^     [ {}\[]' | head -8

"$bin" merge --from-logs "${logs[@]}" -o "$tmp/all.json" >"$tmp/merge.out" 2>"$tmp/merge.err" ||
  { echo "FAIL: merge"; cat "$tmp/merge.err"; exit 1; }
cat "$tmp/merge.out"; cat "$tmp/merge.err"
python3 - "$src/harness/report/schema/zc-bench-1.schema.json" "$tmp/all.json" "$token" <<'PY' || exit 1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
assert not errors, [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]]
runs = doc["runs"]
assert len(runs) == 12, len(runs)
addr = {"10.79.0.1": "node-a", "10.79.0.2": "node-b", "10.79.0.3": "node-c"}
pairs = set()
for r in runs:
    assert r["status"] == "ok" and r["verified"], (r["name"], r["status"], r.get("reason"))
    # The peer is the server's own hostname, as its ready message said.
    assert r["peer"] == addr[r["parameters"]["remote"].split(":")[0]], (r["host"], r["peer"], r["parameters"])
    assert r["host"] != r["peer"] and r["name"].endswith("/host:" + r["host"]), r["name"]
    pairs.add((r["host"], r["peer"]))
assert len(pairs) == 6, pairs
assert sorted(doc["hosts"]) == ["node-a", "node-b", "node-c"], sorted(doc["hosts"])
assert [m["hosts"] for m in doc["merged_from"]] == [[r["host"]] for r in runs[::2]]
assert len(doc["comparisons"]) >= 6, "one ranking per pair"
assert sys.argv[3] not in json.dumps(doc), "the token leaked into the results"
print(f"ok   merged: {len(runs)} runs, {len(pairs)} pairs, schema-valid")
PY

"$bin" compare "$tmp/all.json" "$tmp/all.json" --format json >"$tmp/cmp.json" 2>"$tmp/cmp.err"
rc=$?
[ $rc -le 1 ] && python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert len(c["runs"]) == 12 and not c["only_base"] and not c["only_new"], c.keys()
assert not c["regressed"], "a document regressed against itself"' "$tmp/cmp.json" ||
  { echo "FAIL: compare of the merged document (exit $rc)"; cat "$tmp/cmp.err"; head -c 600 "$tmp/cmp.json"; exit 1; }
echo "ok   compare reads it: 12 runs matched (exit $rc)"

"$bin" plot "$tmp/all.json" -o "$tmp/plots" >"$tmp/plot.out" 2>&1 ||
  { echo "FAIL: plot"; cat "$tmp/plot.out"; exit 1; }
[ -s "$tmp/plots/all-pairs.png" ] && [ -s "$tmp/plots/all-pairs.svg" ] ||
  { echo "FAIL: no pair matrix"; cat "$tmp/plot.out"; exit 1; }
python3 "$src/scripts/plot.py" --list-labels "$tmp/all.json" | python3 -c '
import json, sys
pairs = json.load(sys.stdin)["pairs"]
want = {f"{s}: {h} -> {p}" for s in ("sendfile", "read-write")
        for h in ("node-a", "node-b", "node-c") for p in ("node-a", "node-b", "node-c") if h != p}
assert set(pairs) == want, sorted(set(pairs) ^ want)' || { echo "FAIL: the pair matrix does not hold every pair"; exit 1; }
echo "ok   plot: $(grep -c . "$tmp/plot.out") files, the pair matrix with all 12 cells"
for p in "${servers[@]}"; do
  [ "$(ps -o args= -p "$p")" = "$tmp/zc-bench sink --listen 0.0.0.0:7700 --idle-timeout 5" ] ||
    { echo "FAIL: server $p is not the sink server or died: $(ps -o args= -p "$p")"; exit 1; }
done
echo ok
