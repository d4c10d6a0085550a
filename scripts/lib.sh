# Shared by scripts/run, scripts/test and the other scripts: install what is
# missing from Debian's archive, then configure and build.
set -euo pipefail

ZC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZC_BUILD=${ZC_BUILD:-$ZC_ROOT/build}

# Debian packages the build, the tests and the scripts need.
ZC_PACKAGES=(
  cmake g++ make pkg-config git
  libbenchmark-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libboost-dev
  liburing-dev libxxhash-dev
  python3 python3-jsonschema python3-matplotlib
  iproute2 ethtool clang-format
)

zc_log() { printf 'zc-bench: %s\n' "$*" >&2; }

# Installs only what is missing; silent when everything is there.
zc_install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { zc_log "missing packages: ${missing[*]} (install them as root)"; exit 1; }
    sudo=(sudo)
  fi
  zc_log "installing ${missing[*]}"
  # An old or empty package list finds nothing: refresh it once first.
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Extra arguments go to the configure step (scripts/test --sanitize).
zc_build() {
  local jobs
  jobs=$(nproc)
  cmake -S "$ZC_ROOT" -B "$ZC_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$ZC_BUILD" -j "$jobs" -- --no-print-directory >/dev/null ||
    cmake --build "$ZC_BUILD" -j 1  # on failure, build again serially so the error is readable
}
