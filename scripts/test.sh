#!/usr/bin/env bash
# The project's test command: format check, lint, typecheck, build, then the unit and integration tiers.
# Usage: scripts/test.sh [all|static|unit|integration] [-- extra node --test arguments]
#   PARMANA_KEEP_INFRA=1  leave the test services running afterwards (the default outside CI)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
parmana_prepare_checkout "$root"

tier="${1:-all}"
shift || true
[[ ${1:-} == -- ]] && shift
case "$tier" in all | static | unit | integration) ;; *)
  echo "usage: scripts/test.sh [all|static|unit|integration] [-- node --test args]" >&2
  exit 2
  ;;
esac

step() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

if [[ $tier == all || $tier == static ]]; then
  step "format (prettier --check)"
  npx prettier --check --log-level warn .
  step "lint (eslint, type-aware)"
  npx eslint --max-warnings 0 .
  step "typecheck (tsc --noEmit)"
  npx tsc -p tsconfig.json --noEmit
  step "build (tsc -p tsconfig.build.json)"
  npx tsc -p tsconfig.build.json
  [[ $tier == static ]] && exit 0
fi

globs=()
# The in-process tier (the real app through inject, on PGlite and the memory replay store) needs no service:
# it runs with the unit tier.
if [[ $tier == all || $tier == unit ]]; then globs+=("test/unit/**/*.test.ts" "test/inprocess/**/*.test.ts"); fi
if [[ $tier == all || $tier == integration ]]; then
  step "test services (test/infra/up)"
  test/infra/up
  if [[ ${CI:-} == true && ${PARMANA_KEEP_INFRA:-0} != 1 ]]; then
    trap 'step "stopping test services"; test/infra/down || true' EXIT
  fi
  globs+=("test/integration/**/*.test.ts")
fi

step "tests: ${tier} (node --test)"
report="$(mktemp -t parmana-test-XXXXXX.log)"
set +e
# --test-force-exit: a test file whose tests have all finished ends even if a client library left a timer or
# socket behind (kafkajs reconnect timers once kept a file alive and the whole run waited for it).
node --test --test-reporter=spec --test-concurrency="${PARMANA_TEST_CONCURRENCY:-2}" \
  --test-timeout="${PARMANA_TEST_TIMEOUT_MS:-300000}" --test-force-exit "$@" "${globs[@]}" 2>&1 | tee "$report"
status=${PIPESTATUS[0]}
set -e

# A skipped or todo test is not a passing test: fail the run rather than count it.
if grep -Eq '^ℹ (skipped|todo) [1-9]' "$report"; then
  echo "error: some tests were skipped or marked todo; a skipped test never counts as passing" >&2
  status=1
fi
if ! grep -Eq '^ℹ tests [1-9]' "$report"; then
  echo "error: no tests ran" >&2
  status=1
fi
rm -f "$report"
echo "test command finished in $(($(date +%s) - started))s with status $status"
if [[ ${CI:-} != true && $tier != unit ]]; then
  echo "test services are still running for the next run; stop them with test/infra/down"
fi
exit "$status"
