# shellcheck shell=bash
# PostgreSQL 15 from Debian's packages: a private cluster in its own data directory, on 127.0.0.1:$PG_PORT.

PG_BIN="${PARMANA_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR="$PARMANA_INFRA_RUN/postgres"
PG_USER=parmana
PG_PASSWORD=parmana-test
PG_DATABASE=parmana

# Postgres refuses to run as root; as root the cluster belongs to the `postgres` user.
pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_running() { pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; }

postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d "$PG_DATABASE" -U "$PG_USER"; }

postgres_up() {
  ensure_packages "$PG_BIN/pg_ctl" postgresql-15
  if postgres_running && postgres_ready; then
    log "postgres already running on 127.0.0.1:$PG_PORT"
  else
    mkdir -p "$PG_DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
    if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
      printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pwfile"
      [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR/pwfile"
      pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --pwfile="$PG_DIR/pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1 || die "initdb failed; see $PG_DIR/initdb.log"
      rm -f "$PG_DIR/pwfile"
    fi
    # Durability is traded for speed: this cluster holds nothing but test data. pg_stat_statements is loaded so
    # a soak or benchmark can say which statements its time went to (the extension is created on demand).
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR \
       -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
       -c shared_preload_libraries=pg_stat_statements -c track_io_timing=on" \
      >/dev/null || die "postgres did not start; see $PG_DIR/postgres.log"
    wait_until 30 "postgres accepting connections on 127.0.0.1:$PG_PORT" postgres_ready ||
      die "postgres is not accepting connections; see $PG_DIR/postgres.log"
    if ! PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres \
      -tAc "select 1 from pg_database where datname = '$PG_DATABASE'" | grep -q 1; then
      PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DATABASE"
    fi
  fi
  write_service_json postgres "{\"url\": \"postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE\", \
\"host\": \"127.0.0.1\", \"port\": $PG_PORT, \"log\": \"$PG_DIR/postgres.log\"}"
}

postgres_down() {
  if [[ -f $PG_DIR/data/PG_VERSION ]] && postgres_running; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null || true
    log "postgres stopped"
  fi
  rm -f "$PARMANA_INFRA_RUN/postgres.json"
}

postgres_purge() { rm -rf "$PG_DIR"; }

postgres_env() {
  printf 'export PGHOST=127.0.0.1 PGPORT=%s PGUSER=%s PGPASSWORD=%s PGDATABASE=%s\n' \
    "$PG_PORT" "$PG_USER" "$PG_PASSWORD" "$PG_DATABASE"
}
