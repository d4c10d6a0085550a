#!/usr/bin/env bash
# Every C++ file as the committed .clang-format has it (Debian's clang-format).
set -euo pipefail
root=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format is not installed" >&2; exit 77; }
mapfile -t files < <(find cmd harness strategies tests -name '*.cpp' -o -name '*.hpp' | sort)
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
  echo "$out" | grep -o '^[^:]*:[0-9]*:[0-9]*: error' | cut -d: -f1 | sort -u |
    sed 's/^/not formatted: /' >&2
  echo "run: clang-format -i \$(git ls-files '*.cpp' '*.hpp')" >&2
  exit 1
fi
