# shellcheck shell=bash
# An OTLP/HTTP logs receiver on 127.0.0.1:$OTLP_PORT: test/infra/otlp/main.go, built from the Go module proxy
# against the official OTLP protobuf definitions (go.opentelemetry.io/proto/otlp). It appends every request
# it decodes, as one line of protojson, to $OTLP_DIR/records.jsonl; a restart keeps that file.

OTLP_SRC="$INFRA_DIR/otlp"
OTLP_DIR="$PARMANA_INFRA_RUN/otlp"

# The binary is cached under a hash of its sources and the Go version.
otlp_bin() {
  local key
  key=$(cat "$OTLP_SRC"/main.go "$OTLP_SRC"/go.mod "$OTLP_SRC"/go.sum <(go env GOVERSION) | sha256sum | cut -c1-12)
  printf '%s/otlp-receiver-%s' "$PARMANA_INFRA_CACHE" "$key"
}

otlp_build() {
  command -v go >/dev/null || die "go is missing: the OTLP receiver is built from Go modules"
  local bin started
  bin=$(otlp_bin)
  [[ -x $bin ]] && return 0
  started=$(now_ms)
  log "building the OTLP receiver"
  (cd "$OTLP_SRC" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" .) \
    >"$PARMANA_INFRA_CACHE/otlp-build.log" 2>&1 ||
    die "building the OTLP receiver failed; see $PARMANA_INFRA_CACHE/otlp-build.log"
  mv "$bin.tmp.$$" "$bin"
  log "built the OTLP receiver in $(elapsed "$started")"
}

otlp_ready() { curl -sf "http://127.0.0.1:$OTLP_PORT/healthz" >/dev/null 2>&1; }

otlp_up() {
  ensure_packages curl curl
  otlp_build
  if pid_alive "$OTLP_DIR/receiver.pid" && otlp_ready; then
    log "otlp receiver already running on 127.0.0.1:$OTLP_PORT"
  else
    mkdir -p "$OTLP_DIR"
    require_port_free "$OTLP_PORT" "the OTLP receiver"
    setsid "$(otlp_bin)" -listen "127.0.0.1:$OTLP_PORT" -out "$OTLP_DIR/records.jsonl" \
      >"$OTLP_DIR/receiver.log" 2>&1 </dev/null &
    echo $! >"$OTLP_DIR/receiver.pid"
    wait_until 30 "otlp receiver answering on 127.0.0.1:$OTLP_PORT" otlp_ready ||
      die "the OTLP receiver is not answering; see $OTLP_DIR/receiver.log"
  fi
  write_service_json otlp "{\"url\": \"http://127.0.0.1:$OTLP_PORT/v1/logs\", \
\"records\": \"$OTLP_DIR/records.jsonl\", \"log\": \"$OTLP_DIR/receiver.log\"}"
}

otlp_down() {
  if pid_alive "$OTLP_DIR/receiver.pid"; then
    stop_pid "$OTLP_DIR/receiver.pid" "otlp receiver"
    log "otlp receiver stopped"
  fi
  rm -f "$PARMANA_INFRA_RUN/otlp.json"
}

otlp_purge() { rm -rf "$OTLP_DIR"; }

otlp_env() { printf 'export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://127.0.0.1:%s/v1/logs\n' "$OTLP_PORT"; }
