#!/usr/bin/env bash
# deploy/Containerfile: its runtime stage installs the package of every
# shared library the built zc-bench links (checked here with ldd and dpkg,
# no image needed); then, where a container builder and the Debian 12 base
# image are present locally, the image is built and its entrypoint runs.
# No registry is reachable from here: without a local base image the build
# skips, saying so.
set -u
bin=$1 src=$2
file=$src/deploy/Containerfile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The runtime stage's packages: the apt-get install in the last FROM.
python3 - "$file" >"$tmp/runtime" <<'PY' || { echo "FAIL: no runtime stage in $file"; exit 1; }
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = text.split("\nFROM ")[-1]
m = re.search(r"apt-get install -y --no-install-recommends ([^&]*)", stage)
print("\n".join(m.group(1).split()))
PY
command -v ldd >/dev/null && command -v dpkg >/dev/null || { echo "skipped: ldd and dpkg are needed"; exit 77; }
# The base image's own: libc, the C++ runtime.
base_pkgs="libc6 libstdc++6 libgcc-s1"
ldd "$bin" >"$tmp/ldd" 2>&1 && grep -q libc.so "$tmp/ldd" || { echo "FAIL: ldd $bin"; cat "$tmp/ldd"; exit 1; }
missing=0
for lib in $(awk '$3 ~ /^\// { print $3 }' "$tmp/ldd"); do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
  [ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
  case " $base_pkgs " in *" $pkg "*) continue ;; esac
  # The sanitizer suite's build links the sanitizers' runtime; the image's does not.
  case $pkg in libasan* | libubsan* | liblsan* | libtsan*) continue ;; esac
  if ! grep -qx "$pkg" "$tmp/runtime"; then
    echo "FAIL: $bin links $lib (package ${pkg:-unknown}), which the runtime stage does not install"
    missing=1
  fi
done
[ $missing -eq 0 ] || exit 1
echo "ok   runtime stage installs every linked library's package: $(tr '\n' ' ' <"$tmp/runtime")"

builder=
for b in podman buildah docker; do
  command -v $b >/dev/null || continue
  [ $b = docker ] && ! timeout 10 docker info >/dev/null 2>&1 && continue
  builder=$b; break
done
[ -n "$builder" ] || { echo "skipped: no container builder (podman, buildah, or docker with a daemon) to build the image"; exit 77; }
base=$(sed -n 's/^ARG BASE=//p' "$file")
case $builder in
  podman|buildah) $builder image exists "$base" 2>/dev/null ;;
  docker) docker image inspect "$base" >/dev/null 2>&1 ;;
esac || { echo "skipped: the base image $base is not here and no registry is reachable to pull it"; exit 77; }
tag=zc-bench-test-$$
$builder build --pull=never -f "$file" -t $tag "$src" >"$tmp/build.log" 2>&1 ||
  { echo "FAIL: image build"; tail -30 "$tmp/build.log"; exit 1; }
run=$builder; [ $builder = buildah ] && run=podman
$run run --rm $tag --version >"$tmp/version" 2>&1 || { echo "FAIL: the image's zc-bench"; cat "$tmp/version"; $builder rmi $tag >/dev/null 2>&1; exit 1; }
$builder rmi $tag >/dev/null 2>&1
echo "ok   image built and ran: $(cat "$tmp/version")"
echo ok
