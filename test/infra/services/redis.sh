# shellcheck shell=bash
# Redis 7 from Debian's packages: a private instance on 127.0.0.1:$REDIS_PORT without persistence.

REDIS_DIR="$PARMANA_INFRA_RUN/redis"

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

redis_up() {
  ensure_packages redis-server redis-server
  if pid_alive "$REDIS_DIR/redis.pid" && redis_ready; then
    log "redis already running on 127.0.0.1:$REDIS_PORT"
  else
    mkdir -p "$REDIS_DIR"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --save '' --appendonly no \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --daemonize yes ||
      die "redis-server did not start; see $REDIS_DIR/redis.log"
    wait_until 30 "redis answering on 127.0.0.1:$REDIS_PORT" redis_ready ||
      die "redis is not answering; see $REDIS_DIR/redis.log"
  fi
  write_service_json redis "{\"url\": \"redis://127.0.0.1:$REDIS_PORT\", \"host\": \"127.0.0.1\", \
\"port\": $REDIS_PORT, \"log\": \"$REDIS_DIR/redis.log\"}"
}

redis_down() {
  if pid_alive "$REDIS_DIR/redis.pid"; then
    stop_pid "$REDIS_DIR/redis.pid" redis
    log "redis stopped"
  fi
  rm -f "$PARMANA_INFRA_RUN/redis.json"
}

redis_purge() { rm -rf "$REDIS_DIR"; }

redis_env() { printf 'export REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"; }
