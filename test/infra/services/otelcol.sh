# shellcheck shell=bash
# A real OpenTelemetry Collector on 127.0.0.1:$OTELCOL_PORT (OTLP/HTTP): test/infra/otelcol/main.go, the
# upstream OTLP receiver and the contrib file exporter, built from the Go module proxy. Logs and traces it
# receives are written as OTLP JSON, one export request per line, to $OTELCOL_DIR/{logs,traces}.jsonl.
# (test/infra/otlp, the home-made receiver, stays for the outage tests: it can be stopped and started per test
# as a private instance in milliseconds and decodes with the official protobuf definitions.)

OTELCOL_SRC="$INFRA_DIR/otelcol"
OTELCOL_DIR="$PARMANA_INFRA_RUN/otelcol"

otelcol_bin() {
  local key
  key=$(cat "$OTELCOL_SRC"/main.go "$OTELCOL_SRC"/go.mod "$OTELCOL_SRC"/go.sum <(go env GOVERSION) | sha256sum | cut -c1-12)
  printf '%s/otelcol-%s' "$PARMANA_INFRA_CACHE" "$key"
}

otelcol_build() {
  command -v go >/dev/null || die "go is missing: the OpenTelemetry Collector is built from Go modules"
  local bin started
  bin=$(otelcol_bin)
  [[ -x $bin ]] && return 0
  started=$(now_ms)
  log "building the OpenTelemetry Collector (OTLP receiver + file exporter; a few minutes the first time)"
  (cd "$OTELCOL_SRC" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" .) \
    >"$PARMANA_INFRA_CACHE/otelcol-build.log" 2>&1 ||
    die "building the OpenTelemetry Collector failed; see $PARMANA_INFRA_CACHE/otelcol-build.log"
  mv "$bin.tmp.$$" "$bin"
  log "built the OpenTelemetry Collector in $(elapsed "$started")"
}

# Ready when its OTLP/HTTP receiver accepts an (empty) export.
otelcol_ready() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' --data '{}' \
    "http://127.0.0.1:$OTELCOL_PORT/v1/logs" 2>/dev/null) == 200 ]]
}

otelcol_config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$OTELCOL_PORT
exporters:
  file/logs:
    path: $OTELCOL_DIR/logs.jsonl
    flush_interval: 100ms
  file/traces:
    path: $OTELCOL_DIR/traces.jsonl
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file/logs]
    traces:
      receivers: [otlp]
      exporters: [file/traces]
YAML
}

otelcol_up() {
  ensure_packages curl curl
  otelcol_build
  if pid_alive "$OTELCOL_DIR/collector.pid" && otelcol_ready; then
    log "otelcol already running on 127.0.0.1:$OTELCOL_PORT"
  else
    mkdir -p "$OTELCOL_DIR"
    require_port_free "$OTELCOL_PORT" "the OpenTelemetry Collector"
    otelcol_config >"$OTELCOL_DIR/config.yaml"
    setsid "$(otelcol_bin)" --config "$OTELCOL_DIR/config.yaml" >"$OTELCOL_DIR/collector.log" 2>&1 </dev/null &
    echo $! >"$OTELCOL_DIR/collector.pid"
    wait_until 60 "otelcol answering on 127.0.0.1:$OTELCOL_PORT" otelcol_ready ||
      die "the OpenTelemetry Collector is not answering; see $OTELCOL_DIR/collector.log"
  fi
  write_service_json otelcol "{\"logsUrl\": \"http://127.0.0.1:$OTELCOL_PORT/v1/logs\", \
\"tracesUrl\": \"http://127.0.0.1:$OTELCOL_PORT/v1/traces\", \"logs\": \"$OTELCOL_DIR/logs.jsonl\", \
\"traces\": \"$OTELCOL_DIR/traces.jsonl\", \"log\": \"$OTELCOL_DIR/collector.log\"}"
}

otelcol_down() {
  if pid_alive "$OTELCOL_DIR/collector.pid"; then
    stop_pid "$OTELCOL_DIR/collector.pid" "otelcol"
    log "otelcol stopped"
  fi
  rm -f "$PARMANA_INFRA_RUN/otelcol.json"
}

otelcol_purge() { rm -rf "$OTELCOL_DIR"; }

otelcol_env() { printf 'export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%s\n' "$OTELCOL_PORT"; }
