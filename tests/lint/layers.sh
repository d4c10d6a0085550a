#!/usr/bin/env bash
# The harness's layering (harness/README.md): a folder includes only the
# folders before it, a workload only its own folder and the workload
# interface, a strategy only core/ and kit/; nothing lives at harness/'s
# top level. Prints every edge that points the wrong way.
set -euo pipefail
root=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
layers=(base core kit measure sinks external workloads run report)
rank() {
  local i
  for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo -1
}
bad=0
complain() { echo "layering: $*" >&2; bad=1; }

top=$(find harness -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.hpp' \))
[ -z "$top" ] || complain "source files at harness/'s top level: $top"

while IFS= read -r file; do
  folder=${file#harness/}
  layer=${folder%%/*}
  own=$(rank "$layer")
  [ "$own" -ge 0 ] || { complain "$file is in no known layer (${layers[*]})"; continue; }
  sub=""
  [ "$layer" = workloads ] && sub=$(echo "$folder" | cut -d/ -f2)
  while IFS= read -r inc; do
    target=${inc#harness/}
    tlayer=${target%%/*}
    t=$(rank "$tlayer")
    if [ "$t" -lt 0 ] || [ "$t" -gt "$own" ]; then
      complain "$file includes $inc ($tlayer comes after $layer)"
    elif [ "$tlayer" = workloads ] && [ "$layer" = workloads ]; then
      tsub=$(echo "$target" | cut -d/ -f2)
      case "$tsub" in *.hpp) ;; "$sub") ;; *) complain "$file includes $inc (another workload)" ;; esac
    fi
  done < <(grep -o '#include "harness/[^"]*"' "$file" | sed 's/#include "//;s/"$//')
done < <(find harness -name '*.cpp' -o -name '*.hpp' | sort)

for file in strategies/*.cpp; do
  while IFS= read -r inc; do
    case "$inc" in
      harness/core/* | harness/kit/*) ;;
      *) complain "$file includes $inc (a strategy may include only harness/core/ and harness/kit/)" ;;
    esac
  done < <(grep -o '#include "[^"]*"' "$file" | sed 's/#include "//;s/"$//')
done
exit $bad
