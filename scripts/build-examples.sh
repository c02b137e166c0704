#!/usr/bin/env bash
# Rebuilds the example bundle(s) in deploy/examples with the example key (creating that key if it is missing).
# Run after changing an example policy; test/unit/bundle/examples.test.ts fails until you do.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
parmana_prepare_checkout "$root"
npx tsc -p tsconfig.build.json
examples=deploy/examples
if [[ ! -f $examples/keys/example-signer.key ]]; then
  node bin/parmana.js keys generate --out "$examples/keys" --name example-signer
fi
for dir in "$examples"/policies/*/*/; do
  dir=${dir%/}
  # Revision 1 and a fixed issue time keep rebuilds of an unchanged policy byte-identical.
  node bin/parmana.js policy build "$dir" --key "$examples/keys/example-signer.key" --revision 1 --issued-at 2026-01-01T00:00:00Z
  node bin/parmana.js verify bundle "$dir" --trusted-keys "$examples/keys"
done
