#!/usr/bin/env bash
# The 30-minute soak (issue 11): starts Postgres, Redis and Kafka through test/infra, builds, and runs
# test/soak/run.ts. SOAK_MINUTES, SOAK_LOAD (fraction of the measured capacity) and SOAK_REPORT (a JSON file
# for the figures) tune it. Exits non-zero when any check fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
parmana_prepare_checkout "$root"
npx tsc -p tsconfig.build.json
test/infra/up postgres redis kafka
exec node test/soak/run.ts "$@"
