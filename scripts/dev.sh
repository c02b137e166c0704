#!/usr/bin/env bash
# The newcomer's first command: puts Node 24 on PATH (installing it into a cache if needed), installs the
# locked dependencies, builds, and runs `parmana dev` (extra arguments are passed to it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
parmana_prepare_checkout "$root"
npx tsc -p tsconfig.build.json
exec node bin/parmana.js dev "$@"
