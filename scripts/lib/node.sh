# shellcheck shell=bash
# Source me: puts a Node.js >= 22.15 first on PATH. The machine's own `node` is used when it is new enough
# (set PARMANA_USE_SYSTEM_NODE=1 to insist on it); otherwise the official Node 24 LTS binary, which the npm
# registry serves as the package node-linux-<arch>, is installed once into a cache outside the repository.

PARMANA_NODE_MIN=22.15.0
PARMANA_NODE_VERSION="${PARMANA_NODE_VERSION:-24.21.0}"
PARMANA_NODE_CACHE="${PARMANA_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parmana-node}"

parmana_node_new_enough() {
  local have
  have=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  [[ $(printf '%s\n%s\n' "$PARMANA_NODE_MIN" "$have" | sort -V | head -n1) == "$PARMANA_NODE_MIN" ]]
}

parmana_use_node() {
  if parmana_node_new_enough; then
    return 0
  fi
  if [[ ${PARMANA_USE_SYSTEM_NODE:-0} == 1 ]]; then
    echo "error: PARMANA_USE_SYSTEM_NODE=1 but node $(node --version 2>/dev/null || echo 'missing') is older than $PARMANA_NODE_MIN" >&2
    return 1
  fi
  local bin
  bin=$(parmana_node_package_bin) || return 1
  export PATH="$bin:$PATH"
  parmana_node_new_enough || {
    echo "error: $bin/node does not run" >&2
    return 1
  }
}

# Prints the bin directory of the official Node binary from the npm package node-linux-<arch>@PARMANA_NODE_VERSION,
# installing it into the cache first. Also what the container image's base is assembled from (scripts/image.sh).
parmana_node_package_bin() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *)
      echo "error: no packaged Node.js binary for $(uname -m); install Node 24" >&2
      return 1
      ;;
  esac
  local prefix="$PARMANA_NODE_CACHE/$PARMANA_NODE_VERSION"
  local bin="$prefix/node_modules/node-linux-$arch/bin"
  if [[ ! -x $bin/node ]]; then
    command -v npm >/dev/null || {
      echo "error: npm (to fetch Node.js $PARMANA_NODE_VERSION) is not on PATH" >&2
      return 1
    }
    echo "[node] installing Node.js $PARMANA_NODE_VERSION into $prefix (first run only)" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-$arch@$PARMANA_NODE_VERSION" >&2 || return 1
  fi
  printf '%s\n' "$bin"
}

# Installs the locked dependencies when node_modules is missing or older than the lockfile.
parmana_ensure_deps() {
  local root=$1
  if [[ ! -f $root/node_modules/.package-lock.json || $root/package-lock.json -nt $root/node_modules/.package-lock.json ]]; then
    echo "[node] npm ci" >&2
    (cd "$root" && npm ci --no-audit --no-fund) >&2
  fi
}

# The prologue of every project script: Node on PATH, dependencies installed.
parmana_prepare_checkout() {
  parmana_use_node && parmana_ensure_deps "$1"
}
