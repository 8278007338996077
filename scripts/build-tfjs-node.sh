#!/usr/bin/env bash
# Builds the native addon of @tensorflow/tfjs-node offline. Its install script downloads
# libtensorflow from storage.googleapis.com, which we cannot reach (and which now refuses everyone),
# so we take libtensorflow_cc.so.2 + libtensorflow_framework.so.2 + headers from the PyPI
# tensorflow-cpu wheel (TensorFlow's channel for the shared libraries since 2.12), cache them
# outside the repo, and compile the N-API addon against them with node-pre-gyp/node-gyp and the
# headers of the Node we run. Recipe: ../shared/notes/tfjs-node-offline.md, section C.3.
#
#   bash scripts/build-tfjs-node.sh      # no-op (~1 s) when the addon already loads
#
# Env: FCV_TF_VERSION (default 2.15.1), FCV_CACHE (default ~/.cache/fcv; libraries in libtf/<ver>).
# Exits non-zero, naming the failed step, when the addon cannot be built; a failed build never
# leaves an addon behind, so `require('@tensorflow/tfjs-node')` fails cleanly and callers fall back
# to @tensorflow/tfjs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF_VERSION="${FCV_TF_VERSION:-2.15.1}"
CACHE="${FCV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fcv}/libtf/$TF_VERSION"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
# sha256 of the manylinux2014 cp311 wheel, so a swapped file on a mirror is noticed.
declare -A WHEEL_SHA256=(
  [2.15.1]=54660c074d7241a503e81edfd9f5ef5af88f64051b72e2945f26318c790f2d26
)

step='start'
log() { printf '[tfjs-node] %s\n' "$*" >&2; }
die() {
  log "FAILED at step '$step': $*"
  exit 1
}
# Runs a noisy command with its output in a log file. On failure shows the compiler's `error:`
# lines when there are any (the last lines are node-gyp's stack, which says nothing), else the end.
run_logged() {
  local what=$1 logfile="$CACHE/$1.log" status=0
  shift
  "$@" >"$logfile" 2>&1 || status=$?
  [ "$status" -eq 0 ] && return 0
  { grep -m 10 -E '(^|[^a-z])error:' "$logfile" || tail -n 25 "$logfile"; } | sed 's/^/[tfjs-node]   | /' >&2
  die "$what exited with status $status (full log: $logfile)"
}

# Loads the addon in a fresh process and runs one matMul on it. Prints one line on success.
verify() {
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node --no-deprecation -e "
    try {
      const tf = require('@tensorflow/tfjs-node')
      const tfVersion = tf.backend().binding.TF_Version
      const product = tf.tensor2d([[1, 2], [3, 4]]).matMul(tf.tensor2d([[5, 6], [7, 8]])).dataSync()
      if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend())
      if (Array.from(product).join() !== '19,22,43,50') throw new Error('matMul gave ' + product)
      if (process.argv[1] && tfVersion !== process.argv[1])
        throw new Error('addon is built against TensorFlow ' + tfVersion + ', want ' + process.argv[1])
      console.log('backend tensorflow, TensorFlow ' + tfVersion + ', tfjs ' + tf.version.tfjs + ', matMul ok')
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err))
      process.exit(1)
    }
  " "$@")
}

# A failed build must not leave an addon that half-loads: remove what node-pre-gyp produced.
building=0
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "$building" = 1 ]; then
    rm -rf "${PKG:?}/lib" "$PKG/build" "$PKG"/build-tmp-napi-v*
    log "removed the partial addon; @tensorflow/tfjs (pure JS) stays usable"
  fi
}
trap cleanup EXIT

step='check package'
[ -f "$PKG/package.json" ] ||
  die "$PKG is missing; install npm packages first (npm ci --ignore-scripts)"
command -v node >/dev/null || die "node is not on PATH"

step='check existing addon'
if [ -n "$(ls "$PKG"/lib/napi-v*/tfjs_binding.node 2>/dev/null)" ] && out="$(verify "$TF_VERSION" 2>/dev/null)"; then
  log "addon already loads ($out); nothing to do"
  exit 0
fi

step='check tools'
for tool in python3 make g++; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install python3 make g++)"
done
python3 -m pip --version >/dev/null 2>&1 || die "pip is missing (Debian: apt-get install python3-pip)"
# node-gyp: the one npm bundles (npm rebuild would use it too); node-pre-gyp finds it via this var.
if [ -z "${npm_config_node_gyp:-}" ]; then
  npm_cli="$(readlink -f "$(command -v npm)" 2>/dev/null || true)"
  candidate="$(dirname "$(dirname "$npm_cli")")/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$candidate" ] || die "node-gyp not found next to npm ($candidate)"
  export npm_config_node_gyp="$candidate"
fi
# Headers of the Node that runs us (node-gyp would otherwise download them from nodejs.org).
node_dir="$(node -p 'require("path").dirname(require("path").dirname(process.execPath))')"
[ -f "$node_dir/include/node/node_api.h" ] || die "no Node headers in $node_dir/include/node"
export npm_config_nodedir="$node_dir"

mkdir -p "$CACHE"
# Two setups at once (CI shards, two shells) would extract over each other.
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

step="download tensorflow-cpu==$TF_VERSION wheel"
if [ ! -f "$CACHE/.complete" ]; then
  rm -rf "${CACHE:?}/whl" "${CACHE:?}/x" "${CACHE:?}/lib" "${CACHE:?}/include"
  mkdir -p "$CACHE/whl"
  log "downloading the tensorflow-cpu $TF_VERSION wheel from PyPI (~200 MB) into $CACHE"
  started=$SECONDS
  run_logged pip-download python3 -m pip download --disable-pip-version-check --no-cache-dir --no-deps \
    --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp \
    -d "$CACHE/whl" "tensorflow-cpu==$TF_VERSION"
  wheel="$(ls "$CACHE"/whl/tensorflow_cpu-*.whl)"
  log "downloaded $(basename "$wheel") ($(($(stat -c %s "$wheel") / 1048576)) MiB) in $((SECONDS - started)) s"
  want="${WHEEL_SHA256[$TF_VERSION]:-}"
  if [ -n "$want" ]; then
    got="$(sha256sum "$wheel" | cut -d' ' -f1)"
    [ "$got" = "$want" ] || die "sha256 of $(basename "$wheel") is $got, expected $want"
  fi

  step='extract libraries and headers'
  log "extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and headers"
  run_logged extract python3 - "$wheel" "$CACHE/x" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
wanted = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n in wanted or n.startswith('tensorflow/include/')]
    for required in wanted + ('tensorflow/include/tensorflow/c/c_api.h',
                              'tensorflow/include/tensorflow/c/eager/c_api.h'):
        if required not in names:
            sys.exit(f'{required} is not in the wheel')
    z.extractall(dest, names)
PY
  mkdir -p "$CACHE/lib"
  mv "$CACHE"/x/tensorflow/libtensorflow_cc.so.2 "$CACHE"/x/tensorflow/libtensorflow_framework.so.2 "$CACHE/lib/"
  mv "$CACHE/x/tensorflow/include" "$CACHE/include"
  rm -rf "$CACHE/x" "$CACHE/whl" # the wheel is not needed once extracted
  touch "$CACHE/.complete"
fi

step='lay out deps/'
# binding.gyp links -ltensorflow -ltensorflow_framework from deps/lib with rpath $ORIGIN/../../deps/lib;
# the *.so.2.9.1 names make the package's own install.js skip its download if npm ever runs it,
# and custom-binary.json makes it build from source instead of fetching a prebuilt addon.
building=1
rm -rf "${PKG:?}/deps" "${PKG:?}/lib" "$PKG/build" "$PKG"/build-tmp-napi-v*
mkdir -p "$PKG/deps/lib"
ln -s "$CACHE/include" "$PKG/deps/include"
for so in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  # a hard link costs no space and survives a cleared cache; copy across file systems
  ln -f "$CACHE/lib/$so" "$PKG/deps/lib/$so" 2>/dev/null || cp -f "$CACHE/lib/$so" "$PKG/deps/lib/$so"
done
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2.9.1"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so.2.9.1"
echo '{"tf-lib":"http://127.0.0.1/unused"}' >"$PKG/scripts/custom-binary.json"

step='build addon'
log "compiling the addon (node-gyp, Node $(node --version) headers from $node_dir)"
started=$SECONDS
# `install --build-from-source` builds only the best N-API version (8 → lib/napi-v8), where
# `rebuild` would compile once per listed N-API version.
run_logged node-pre-gyp env -C "$PKG" node "$ROOT/node_modules/@mapbox/node-pre-gyp/bin/node-pre-gyp" \
  install --build-from-source
log "compiled in $((SECONDS - started)) s"

step='verify addon'
out="$(verify "$TF_VERSION" 2>&1)" || {
  printf '%s\n' "$out" | tail -n 15 | sed 's/^/[tfjs-node]   | /' >&2
  die "the built addon does not load or compute correctly"
}
building=0
rm -rf "$PKG/build" # objects only; the addon is in lib/napi-v8
log "ok: $out"
