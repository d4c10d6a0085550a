# Shared by scripts/run, scripts/test and the other scripts: install what is
# missing from Debian's archive, then configure and build.
set -euo pipefail

ZC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZC_BUILD=${ZC_BUILD:-$ZC_ROOT/build}

# Debian packages the build, the tests and the scripts need: help2man makes
# the man page, dpkg-dev (dpkg-shlibdeps) the .deb's dependencies;
# libbenchmark-tools (Google Benchmark's compare.py), scipy
# and nodejs read --format gbench output in the tests as CI tools would.
ZC_PACKAGES=(
  cmake g++ make pkg-config git openjdk-17-jdk-headless
  libbenchmark-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libboost-dev libfmt-dev
  liburing-dev libxxhash-dev libssl-dev
  python3 python3-jsonschema python3-matplotlib
  iproute2 ethtool clang-format help2man dpkg-dev
  libbenchmark-tools python3-scipy nodejs python3-yaml
)

zc_log() { printf 'zc-bench: %s\n' "$*" >&2; }

# The Kubernetes tools the deploy/kubernetes tests use: kubectl (with its
# kustomize) from Debian's kubernetes-client only where no kubectl is on
# PATH (another kubectl package conflicts with it), and the Kubernetes API's
# JSON schemas, which no Debian package ships: npm's kubernetes-models
# (validators compiled from the API's OpenAPI schemas) into
# $ZC_BUILD/k8s-schemas. Either missing makes its test skip, saying so.
ZC_K8S_SCHEMAS_PACKAGE=kubernetes-models@5.1.0
zc_install_kubernetes_tools() {
  command -v kubectl >/dev/null || zc_install_missing kubernetes-client ||
    zc_log "kubectl not installed: the manifest tests will skip"
  local dir=$ZC_BUILD/k8s-schemas
  [ -d "$dir/node_modules/kubernetes-models" ] && return 0
  command -v npm >/dev/null || zc_install_missing npm || return 0
  zc_log "installing $ZC_K8S_SCHEMAS_PACKAGE (npm) into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent "$ZC_K8S_SCHEMAS_PACKAGE" >/dev/null 2>&1 ||
    zc_log "npm install $ZC_K8S_SCHEMAS_PACKAGE failed: the schema validation test will skip"
  return 0
}

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
  zc_log "installing ${missing[*]} (apt-get; this can take minutes)"
  # An old or empty package list finds nothing: refresh it once first.
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Reads make's output and shows how far the build is: one updating line on
# a terminal, a line per 10% otherwise.
zc_progress() {
  local line pct last=-10 tty=0
  [ -t 2 ] && tty=1
  while IFS= read -r line; do
    [[ $line =~ ^\[\ *([0-9]+)%\]\ (.*) ]] || continue
    pct=${BASH_REMATCH[1]}
    if [ $tty -eq 1 ]; then
      printf '\r\033[K[%3d%%] %.70s' "$pct" "${BASH_REMATCH[2]}" >&2
    elif [ "$pct" -ge $((last + 10)) ]; then
      zc_log "build ${pct}%"
      last=$pct
    fi
  done
  if [ $tty -eq 1 ]; then printf '\r\033[K' >&2; fi
  return 0
}

# Configures and builds TARGETS (default: everything, the tests included),
# showing progress; on failure, builds again serially so the error is readable.
# Arguments starting with -D go to the configure step (scripts/test --sanitize).
zc_build() {
  local jobs targets=() defines=() names=() t
  jobs=$(nproc)
  for t in "$@"; do
    case $t in
      -D*) defines+=("$t") ;;
      *) targets+=(--target "$t") names+=("$t") ;;
    esac
  done
  # A compiler cache, when one is installed, makes a clean clone's second
  # build (the sanitizer suite, or CI after a local run) mostly cache hits;
  # paths are taken relative to the clone so another folder hits too.
  if command -v ccache >/dev/null && [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
    export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$ZC_ROOT CCACHE_NOHASHDIR=1
  fi
  zc_log "configuring $ZC_BUILD"
  cmake -S "$ZC_ROOT" -B "$ZC_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${defines[@]}" >/dev/null
  zc_log "building ${names[*]:-everything} with $jobs jobs (a first build takes several minutes)"
  if ! cmake --build "$ZC_BUILD" -j "$jobs" "${targets[@]}" -- --no-print-directory 2>&1 |
    zc_progress; then
    cmake --build "$ZC_BUILD" -j 1 "${targets[@]}"
  fi
}
