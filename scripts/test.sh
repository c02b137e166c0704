#!/usr/bin/env bash
# The project's test command: format check, lint, typecheck, build, then the unit, integration and e2e tiers.
# Usage: scripts/test.sh [all|static|unit|integration|e2e] [-- extra node --test arguments]
#   PARMANA_KEEP_INFRA=1  leave the test services running afterwards (the default outside CI)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
parmana_prepare_checkout "$root"

tier="${1:-all}"
shift || true
[[ ${1:-} == -- ]] && shift
case "$tier" in all | static | unit | integration | e2e) ;; *)
  echo "usage: scripts/test.sh [all|static|unit|integration|e2e] [-- node --test args]" >&2
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

if [[ ${CI:-} == true && ${PARMANA_KEEP_INFRA:-0} != 1 && $tier != unit ]]; then
  trap 'step "stopping test services"; test/infra/down || true' EXIT
fi

# run_tests LABEL [COMMAND_PREFIX... --] GLOB...: one node --test run; a skipped or todo test, or no test at all,
# fails it. Sets $status to non-zero on failure (and keeps any earlier failure).
status=0
run_tests() {
  local label=$1 prefix=()
  shift
  if [[ ${1:-} == nsenter ]]; then
    while [[ $1 != -- ]]; do prefix+=("$1"); shift; done
    prefix+=(--)
    shift
  fi
  step "tests: ${label} (node --test)"
  local report rc
  report="$(mktemp -t parmana-test-XXXXXX.log)"
  set +e
  # --test-force-exit: a test file whose tests have all finished ends even if a client library left a timer or
  # socket behind (kafkajs reconnect timers once kept a file alive and the whole run waited for it).
  "${prefix[@]}" node --test --test-reporter=spec --test-concurrency="${PARMANA_TEST_CONCURRENCY:-2}" \
    --test-timeout="${PARMANA_TEST_TIMEOUT_MS:-300000}" --test-force-exit "${extra_args[@]}" "$@" 2>&1 | tee "$report"
  rc=${PIPESTATUS[0]}
  set -e
  # A skipped or todo test is not a passing test: fail the run rather than count it.
  if grep -Eq '^ℹ (skipped|todo) [1-9]' "$report"; then
    echo "error: some ${label} tests were skipped or marked todo; a skipped test never counts as passing" >&2
    rc=1
  fi
  if ! grep -Eq '^ℹ tests [1-9]' "$report"; then
    echo "error: no ${label} tests ran" >&2
    rc=1
  fi
  rm -f "$report"
  ((rc == 0)) || status=$rc
}
extra_args=("$@")

globs=()
# The in-process tier (the real app through inject, on PGlite and the memory replay store) needs no service:
# it runs with the unit tier.
if [[ $tier == all || $tier == unit ]]; then globs+=("test/unit/**/*.test.ts" "test/inprocess/**/*.test.ts"); fi
if [[ $tier == all || $tier == integration ]]; then
  step "test services (test/infra/up)"
  test/infra/up
  globs+=("test/integration/**/*.test.ts")
fi
if ((${#globs[@]})); then run_tests "$tier" "${globs[@]}"; fi

# The e2e tier: the image built from deploy/Dockerfile, a real node, and the tests inside the node's network
# namespace (the only place its pods and Services can be reached from).
if [[ $tier == all || $tier == e2e ]]; then
  run_dir="${PARMANA_INFRA_RUN:-/tmp/parmana-test-infra-$(id -u)}"
  image_tar="$run_dir/parmana-image.tar"
  # A piece of the node or the image that cannot be had fails the tier, named in the output above; never a skip.
  if ! { step "e2e: a real node (test/infra/up node)" && test/infra/up node; }; then
    echo "error: e2e tier: the real node did not start (the component and its log are named above)" >&2
    status=1
  elif ! { step "e2e: the image (scripts/image.sh), loaded into the node" &&
    bash scripts/image.sh --out "$image_tar" && test/infra/load-image "$image_tar"; }; then
    echo "error: e2e tier: the image could not be built or loaded (see above)" >&2
    status=1
  else
    netns=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).netns' "$run_dir/node.json")
    run_tests e2e nsenter --net="/run/netns/$netns" -- "test/e2e/**/*.test.ts"
  fi
fi

echo "test command finished in $(($(date +%s) - started))s with status $status"
if [[ ${CI:-} != true && $tier != unit ]]; then
  echo "test services are still running for the next run; stop them with test/infra/down"
fi
exit "$status"
