# shellcheck shell=bash
# Replicated Redis from Debian's packages, on loopback, for the failover tests (issue 18):
#   redis-sentinel: a primary and two replicas monitored as "parmana" by three sentinels (quorum 2);
#   redis-cluster:  three primaries and three replicas.
# No persistence: a node that is killed and started again resyncs from the current primary. Each node runs
# from a config file in its own directory (sentinels and CONFIG REWRITE keep them current after a failover),
# so a test that SIGKILLs one starts it again with `redis-server DIR/redis.conf`.

SENTINEL_DIR="$PARMANA_INFRA_RUN/redis-sentinel"
CLUSTER_DIR="$PARMANA_INFRA_RUN/redis-cluster"
SENTINEL_MASTER=parmana

ha_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

# ha_hosts PORT...: "127.0.0.1:P1,127.0.0.1:P2,..."
ha_hosts() { printf '127.0.0.1:%s,' "$@" | sed 's/,$//'; }

# ha_nodes_json DIR PREFIX PORT...: [{"port": P, "dir": "DIR/PREFIX-P"}, ...] for the service description.
ha_nodes_json() {
  local dir=$1 prefix=$2 port out=""
  shift 2
  for port in "$@"; do out+="{\"port\": $port, \"dir\": \"$dir/$prefix-$port\"},"; done
  printf '[%s]' "${out%,}"
}

# ha_stop DIR SERVICE: stops every node under DIR and removes the service's description.
ha_stop() {
  local f
  for f in "$1"/*/redis.pid; do
    [[ -f $f ]] && stop_pid "$f" "redis $(basename "$(dirname "$f")")"
  done
  rm -f "$PARMANA_INFRA_RUN/$2.json"
}

# ha_node server|sentinel DIR PORT [EXTRA CONFIG LINES...]: writes DIR/redis.conf (if absent) and starts it.
ha_node() {
  local mode=$1 dir=$2 port=$3
  shift 3
  mkdir -p "$dir"
  if [[ ! -f $dir/redis.conf ]]; then
    {
      printf 'bind 127.0.0.1\nport %s\nprotected-mode yes\n' "$port"
      [[ $mode == server ]] && printf 'save ""\nappendonly no\n'
      printf 'dir %s\npidfile %s/redis.pid\nlogfile %s/redis.log\ndaemonize yes\n' "$dir" "$dir" "$dir"
      printf '%s\n' "$@"
    } >"$dir/redis.conf"
  fi
  pid_alive "$dir/redis.pid" && ha_ping "$port" && return 0
  redis-server "$dir/redis.conf" $([[ $mode == sentinel ]] && echo --sentinel) || die "redis-server on $port did not start; see $dir/redis.log"
  wait_until 20 "redis node answering on 127.0.0.1:$port" ha_ping "$port" ||
    die "redis node $port is not answering; see $dir/redis.log"
}

sentinel_healthy() {
  local addr
  addr=$(redis-cli -p "${REDIS_SENTINEL_PORTS[0]}" sentinel get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null |
    paste -sd: -)
  [[ -n $addr ]] || return 1
  redis-cli -p "${addr#*:}" info replication 2>/dev/null | grep -q '^connected_slaves:2' || return 1
  [[ $(redis-cli -p "${REDIS_SENTINEL_PORTS[0]}" sentinel sentinels "$SENTINEL_MASTER" 2>/dev/null |
    grep -c '^name$') -ge 2 ]]
}

redis-sentinel_up() {
  ensure_packages redis-server redis-server
  local primary=${REDIS_SENTINEL_DATA_PORTS[0]} port i
  if ! sentinel_healthy; then
    # A broken topology (a node left dead by an interrupted test) starts over from scratch.
    redis-sentinel_down >/dev/null 2>&1
    rm -rf "$SENTINEL_DIR"
    for port in "${REDIS_SENTINEL_DATA_PORTS[@]}"; do
      if [[ $port == "$primary" ]]; then
        ha_node server "$SENTINEL_DIR/node-$port" "$port"
      else
        ha_node server "$SENTINEL_DIR/node-$port" "$port" "replicaof 127.0.0.1 $primary"
      fi
    done
    for i in "${!REDIS_SENTINEL_PORTS[@]}"; do
      port=${REDIS_SENTINEL_PORTS[$i]}
      ha_node sentinel "$SENTINEL_DIR/sentinel-$port" "$port" \
        "sentinel monitor $SENTINEL_MASTER 127.0.0.1 $primary 2" \
        "sentinel down-after-milliseconds $SENTINEL_MASTER 1000" \
        "sentinel failover-timeout $SENTINEL_MASTER 6000" \
        "sentinel parallel-syncs $SENTINEL_MASTER 2" \
        "sentinel resolve-hostnames no" \
        "sentinel announce-hostnames no"
    done
    wait_until 30 "sentinels agree on the primary and both replicas" sentinel_healthy ||
      die "the sentinel topology did not settle; see $SENTINEL_DIR/*/redis.log"
  else
    log "redis-sentinel already running (sentinels on ${REDIS_SENTINEL_PORTS[*]})"
  fi
  write_service_json redis-sentinel "{\"url\": \"redis+sentinel://$(ha_hosts "${REDIS_SENTINEL_PORTS[@]}")/$SENTINEL_MASTER\", \
\"master\": \"$SENTINEL_MASTER\", \"nodes\": $(ha_nodes_json "$SENTINEL_DIR" node "${REDIS_SENTINEL_DATA_PORTS[@]}"), \
\"sentinels\": $(ha_nodes_json "$SENTINEL_DIR" sentinel "${REDIS_SENTINEL_PORTS[@]}")}"
}

redis-sentinel_down() { ha_stop "$SENTINEL_DIR" redis-sentinel; }

redis-sentinel_purge() { rm -rf "$SENTINEL_DIR"; }

redis-sentinel_env() {
  printf 'export PARMANA_TEST_REDIS_SENTINEL_URL=redis+sentinel://%s/%s\n' "$(ha_hosts "${REDIS_SENTINEL_PORTS[@]}")" \
    "$SENTINEL_MASTER"
}

cluster_healthy() {
  local info nodes
  info=$(redis-cli -p "${REDIS_CLUSTER_PORTS[0]}" cluster info 2>/dev/null) || return 1
  grep -q '^cluster_state:ok' <<<"$info" && grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
  nodes=$(redis-cli -p "${REDIS_CLUSTER_PORTS[0]}" cluster nodes 2>/dev/null) || return 1
  [[ $(awk '$3 ~ /master/ && $3 !~ /fail/' <<<"$nodes" | wc -l) -eq 3 ]] &&
    [[ $(awk '$3 ~ /slave/ && $3 !~ /fail/ && $8 == "connected"' <<<"$nodes" | wc -l) -eq 3 ]]
}

redis-cluster_up() {
  ensure_packages redis-server redis-server
  local port
  if ! cluster_healthy; then
    redis-cluster_down >/dev/null 2>&1
    rm -rf "$CLUSTER_DIR"
    for port in "${REDIS_CLUSTER_PORTS[@]}"; do
      # The bus port is given (the default, port + 10000, would be past 65535 for these ports).
      ha_node server "$CLUSTER_DIR/node-$port" "$port" "cluster-enabled yes" "cluster-port $((port + 1000))" \
        "cluster-config-file nodes.conf" \
        "cluster-node-timeout 2000" "cluster-replica-validity-factor 0"
    done
    # Bounded, and with nothing to read: once a create printed its last check and then never exited.
    timeout 60 redis-cli --cluster create $(ha_hosts "${REDIS_CLUSTER_PORTS[@]}" | tr , ' ') --cluster-replicas 1 \
      --cluster-yes </dev/null >"$CLUSTER_DIR/create.log" 2>&1 ||
      die "redis-cli --cluster create failed or hung; see $CLUSTER_DIR/create.log"
    wait_until 30 "the cluster is ok with 3 primaries and 3 replicas" cluster_healthy ||
      die "the cluster did not settle; see $CLUSTER_DIR/create.log and $CLUSTER_DIR/*/redis.log"
  else
    log "redis-cluster already running (nodes on ${REDIS_CLUSTER_PORTS[*]})"
  fi
  write_service_json redis-cluster "{\"url\": \"redis+cluster://$(ha_hosts "${REDIS_CLUSTER_PORTS[@]}")\", \
\"nodes\": $(ha_nodes_json "$CLUSTER_DIR" node "${REDIS_CLUSTER_PORTS[@]}")}"
}

redis-cluster_down() { ha_stop "$CLUSTER_DIR" redis-cluster; }

redis-cluster_purge() { rm -rf "$CLUSTER_DIR"; }

redis-cluster_env() {
  printf 'export PARMANA_TEST_REDIS_CLUSTER_URL=redis+cluster://%s\n' "$(ha_hosts "${REDIS_CLUSTER_PORTS[@]}")"
}
