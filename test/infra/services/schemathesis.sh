# shellcheck shell=bash
# Schemathesis (PyPI) in its own virtualenv under the cache, for fuzzing the API from its OpenAPI document.
# Nothing to start.

SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="$PARMANA_INFRA_CACHE/schemathesis-$SCHEMATHESIS_VERSION"

schemathesis_up() {
  # .complete is written last, so an interrupted install is redone rather than used.
  if [[ ! -f $SCHEMATHESIS_VENV/.complete ]]; then
    ensure_packages python3 python3
    python3 -c 'import ensurepip' 2>/dev/null || ensure_packages /usr/lib/python3/dist-packages/pip python3-venv
    local started
    started=$(now_ms)
    log "installing schemathesis $SCHEMATHESIS_VERSION into $SCHEMATHESIS_VENV"
    rm -rf "$SCHEMATHESIS_VENV"
    python3 -m venv "$SCHEMATHESIS_VENV" >"$PARMANA_INFRA_CACHE/schemathesis-install.log" 2>&1 &&
      "$SCHEMATHESIS_VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" \
        >>"$PARMANA_INFRA_CACHE/schemathesis-install.log" 2>&1 ||
      die "installing schemathesis failed; see $PARMANA_INFRA_CACHE/schemathesis-install.log"
    touch "$SCHEMATHESIS_VENV/.complete"
    log "installed schemathesis in $(elapsed "$started")"
  fi
  write_service_json schemathesis "{\"st\": \"$SCHEMATHESIS_VENV/bin/st\"}"
}

schemathesis_down() { rm -f "$PARMANA_INFRA_RUN/schemathesis.json"; }

schemathesis_purge() { :; }

schemathesis_env() { printf 'export PATH=%s:$PATH  # st\n' "$SCHEMATHESIS_VENV/bin"; }
