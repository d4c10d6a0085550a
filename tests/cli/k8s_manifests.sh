#!/usr/bin/env bash
# deploy/kubernetes renders with `kubectl kustomize` (the sink servers, their
# headless Service, the token Secret, the sender Job template), as does
# the overlay scripts/fleet-plan writes for a fleet (one Job per pair, the
# template gone); every rendered object validates against the Kubernetes
# API's schemas (npm's kubernetes-models, installed by scripts/lib.sh into
# the build folder) with no field the API does not know; and broken
# objects (a type, a required field, a misspelt field) fail it.
set -u
bin=$1 src=$2
command -v kubectl >/dev/null || { echo "skipped: kubectl is not installed (scripts/lib.sh installs kubernetes-client)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
schemas=${ZC_K8S_SCHEMAS:-$(dirname "$bin")/k8s-schemas}/node_modules

kubectl kustomize "$src/deploy/kubernetes" >"$tmp/base.yaml" 2>"$tmp/err" ||
  { echo "FAIL: kubectl kustomize deploy/kubernetes"; cat "$tmp/err"; exit 1; }
"$src/scripts/fleet-plan" -o "$tmp/fleet" --image registry.example/zc-bench:1 node-a node-b=10.0.0.2 node-c 2>"$tmp/err" ||
  { echo "FAIL: fleet-plan"; cat "$tmp/err"; exit 1; }
kubectl kustomize "$tmp/fleet" >"$tmp/fleet.yaml" 2>"$tmp/err" ||
  { echo "FAIL: kubectl kustomize of fleet-plan's overlay"; cat "$tmp/err"; exit 1; }
"$src/scripts/fleet-plan" --ring -o "$tmp/ring" node-a node-b node-c 2>"$tmp/err" &&
  kubectl kustomize "$tmp/ring" >"$tmp/ring.yaml" 2>"$tmp/err" ||
  { echo "FAIL: fleet-plan --ring"; cat "$tmp/err"; exit 1; }

python3 - "$tmp" <<'PY' || exit 1
import sys, yaml
tmp = sys.argv[1]
load = lambda name: [d for d in yaml.safe_load_all(open(f"{tmp}/{name}.yaml")) if d]
base = load("base")
kinds = {d["kind"]: d for d in base}
assert sorted(kinds) == ["DaemonSet", "Job", "Namespace", "Secret", "Service"], sorted(kinds)
assert all(d["metadata"].get("namespace") == "zc-bench" for d in base if d["kind"] != "Namespace")
ds = kinds["DaemonSet"]["spec"]["template"]["spec"]
c = ds["containers"][0]
assert ds["hostNetwork"] is True
assert c["args"] == ["sink", "--listen", "0.0.0.0:7700"], c["args"]
assert c["readinessProbe"]["tcpSocket"]["port"] == 7700
token = {"name": "ZC_SINK_TOKEN", "valueFrom": {"secretKeyRef": {"name": "zc-bench-token", "key": "ZC_SINK_TOKEN"}}}
assert token in c["env"]
assert "ZC_SINK_TOKEN" in kinds["Secret"]["stringData"]
svc = kinds["Service"]["spec"]
assert svc["clusterIP"] == "None" and svc["ports"][0]["port"] == 7700
assert svc["selector"].items() <= kinds["DaemonSet"]["spec"]["template"]["metadata"]["labels"].items()

def check_job(job, sender, receiver, address):
    spec = job["spec"]["template"]["spec"]
    c = spec["containers"][0]
    assert spec["nodeSelector"] == {"kubernetes.io/hostname": sender}, spec["nodeSelector"]
    term = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == [receiver]
    assert spec["hostNetwork"] is True and spec["restartPolicy"] == "Never"
    a = c["args"]
    assert a[:2] == ["run", "--sink"] and a[2] == f"remote:{address}:7700", a
    assert a[a.index("-o") + 1] == "-", a
    assert token in c["env"]
    assert c["image"] == "registry.example/zc-bench:1", c["image"]

fleet = load("fleet")
jobs = [d for d in fleet if d["kind"] == "Job"]
assert "zc-bench-send" not in [j["metadata"]["name"] for j in jobs], "the template Job is left in"
pairs = sorted((j["spec"]["template"]["spec"]["nodeSelector"]["kubernetes.io/hostname"],
                j["spec"]["template"]["metadata"]["labels"]["zc-bench/receiver"]) for j in jobs)
nodes = ["node-a", "node-b", "node-c"]
assert pairs == [(s, r) for s in nodes for r in nodes if s != r], pairs
for j in jobs:
    s, r = j["spec"]["template"]["spec"]["nodeSelector"]["kubernetes.io/hostname"], \
        j["spec"]["template"]["metadata"]["labels"]["zc-bench/receiver"]
    check_job(j, s, r, "10.0.0.2" if r == "node-b" else r)
assert len({j["metadata"]["name"] for j in jobs}) == 6
ds = [d for d in fleet if d["kind"] == "DaemonSet"]
assert len(ds) == 1 and ds[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/zc-bench:1"
# The plan's own token replaces the base's placeholder.
secret = [d for d in fleet if d["kind"] == "Secret"]
assert len(secret) == 1 and secret[0]["metadata"]["name"] == "zc-bench-token", secret
assert "change-me" not in yaml.safe_dump(secret) and "ZC_SINK_TOKEN" in secret[0]["data"], secret
ring = [d for d in load("ring") if d["kind"] == "Job"]
assert len(ring) == 3, len(ring)
print("ok   rendered: base", sorted(kinds), "; fleet of 3:", len(jobs), "Jobs; ring:", len(ring))
PY

# Bad plans: one line, exit 2.
for args in "-o $tmp/bad node-a" "-o $tmp/bad node-a node-a" "-o $tmp/bad Node_A! node-b" \
  "-o $tmp/bad node-a node-b=bad/addr" "node-a node-b" "-o $tmp/bad --rings a b" \
  "-o $tmp/bad a b -- --sink tcp"; do
  "$src/scripts/fleet-plan" $args >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
    { echo "FAIL: fleet-plan $args: exit $rc"; cat "$tmp/err"; exit 1; }
  echo "ok   fleet-plan $args: $(cat "$tmp/err")"
done

[ -d "$schemas/kubernetes-models" ] || {
  echo "skipped: the Kubernetes schemas (npm kubernetes-models) are not in $schemas (scripts/test installs them)"; exit 77; }
# A DaemonSet without its selector must fail, or the validation proves nothing.
python3 - "$tmp/base.yaml" "$tmp/broken.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
    if d["kind"] == "DaemonSet": del d["spec"]["selector"]
    if d["kind"] == "Service": d["spec"]["ports"][0]["port"] = "seventy-seven"
    if d["kind"] == "Job": d["spec"]["template"]["spec"]["hostNetwrok"] = True
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
validate() {  # validate FILE.yaml: each object against its kind's schema
  python3 -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))' "$1" |
    node --input-type=module -e '
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
const root = resolve(process.argv[1]);
const docs = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const d of docs) {
  const [group, version] = d.apiVersion.includes("/") ? d.apiVersion.split("/") : [null, d.apiVersion];
  const dir = group ? `${group}/${version}` : version;
  const mod = await import(pathToFileURL(`${root}/kubernetes-models/${dir}/${d.kind}.js`).href);
  try {
    new mod[d.kind](d).validate();
    console.log(`valid   ${d.kind}/${d.metadata.name}`);
  } catch (e) {
    console.log(`INVALID ${d.kind}/${d.metadata.name}: ${e.message}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);' "$schemas"
}
# The compiled validators let unknown fields through (the API's schemas do
# not forbid them; the API server drops or refuses them): a misspelt
# field is found with the field lists of the package's type declarations.
cat >"$tmp/strict.py" <<'PY'
import glob, os, re, sys, yaml

root = sys.argv[1]  # node_modules
EXPORT = re.compile(r"export type \{([^}]*)\}")
FIELD = re.compile(r'^    "([^"]+)"\??: (.*?);?$')
files = glob.glob(f"{root}/kubernetes-models/**/*.d.ts", recursive=True) + \
    glob.glob(f"{root}/@kubernetes-models/apimachinery/**/*.d.ts", recursive=True)
types = {}  # IIoK8s... name -> {field: type}
for path in files:
    text = open(path).read()
    for m in EXPORT.finditer(text):
        for part in m.group(1).split(","):
            local, _, alias = part.strip().partition(" as ")
            body = re.search(r"export interface %s(?: extends [\w, ]+)? \{\n(.*?)\n\}" % re.escape(local), text, re.S)
            if body and alias.startswith("I"):
                fields = {}
                for line in body.group(1).splitlines():
                    f = FIELD.match(line)
                    if f:
                        fields[f.group(1)] = f.group(2).strip()
                types[alias] = fields

def ref(t):
    m = re.fullmatch(r"Array<(\w+)>|(\w+)", t)
    name = m and (m.group(1) or m.group(2))
    return name if name in types else None

def walk(obj, tname, path, errors):
    fields = types[tname]
    for key, value in obj.items():
        if key not in fields:
            errors.append(f"{path}.{key}: not a field of {tname[len('IIoK8s'):]}")
            continue
        sub = ref(fields[key])
        if not sub:
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                walk(item, sub, f"{path}.{key}" + (f"[{i}]" if isinstance(value, list) else ""), errors)

bad = 0
for path in sys.argv[2:]:
    for d in yaml.safe_load_all(open(path)):
        if not d:
            continue
        group, _, version = d["apiVersion"].rpartition("/")
        top = [n for n in types if n.endswith(f"{version.capitalize()}{d['kind']}")
               and ("Core" if not group else group.split(".")[0].capitalize()) in n]
        errors = []
        if len(top) != 1:
            errors.append(f"no single schema for {d['apiVersion']} {d['kind']}: {top}")
        else:
            walk(d, top[0], d["kind"], errors)
        for e in errors:
            print(f"UNKNOWN {d['kind']}/{d['metadata']['name']}: {e}")
        bad += bool(errors)
sys.exit(1 if bad else 0)
PY
for f in base fleet ring; do
  validate "$tmp/$f.yaml" >"$tmp/$f.out" 2>&1 || { echo "FAIL: $f does not validate"; cat "$tmp/$f.out"; exit 1; }
  python3 "$tmp/strict.py" "$schemas" "$tmp/$f.yaml" >>"$tmp/$f.out" 2>&1 ||
    { echo "FAIL: $f has fields the API does not know"; cat "$tmp/$f.out"; exit 1; }
done
cat "$tmp/base.out"
echo "ok   fleet: $(grep -c '^valid' "$tmp/fleet.out") objects valid; ring: $(grep -c '^valid' "$tmp/ring.out")"
validate "$tmp/broken.yaml" >"$tmp/broken.out" 2>&1 && { echo "FAIL: a broken DaemonSet and Service validated"; cat "$tmp/broken.out"; exit 1; }
python3 "$tmp/strict.py" "$schemas" "$tmp/broken.yaml" >>"$tmp/broken.out" 2>&1 && { echo "FAIL: a misspelt field passed"; cat "$tmp/broken.out"; exit 1; }
grep -q "INVALID DaemonSet/zc-bench-sink: .*selector" "$tmp/broken.out" && grep -q "INVALID Service/zc-bench-sink: .*port" "$tmp/broken.out" &&
  grep -q "UNKNOWN Job/zc-bench-send: Job.spec.template.spec.hostNetwrok" "$tmp/broken.out" ||
  { echo "FAIL: the broken objects were not the ones refused"; cat "$tmp/broken.out"; exit 1; }
echo "ok   broken objects refused:"; grep "INVALID\|UNKNOWN" "$tmp/broken.out" | cut -c1-150
echo ok
