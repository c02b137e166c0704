#!/usr/bin/env bash
# Runs `node ARGS...` on Node 24 (installed into a cache on first use, as the README's two commands do), so
# that the `npm run` scripts that execute TypeScript work from a plain shell whose own node is older.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/node.sh"
parmana_use_node
exec node "$@"
