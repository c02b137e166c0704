# shellcheck shell=bash
# Shared by test/infra/{up,down,env}: where things live, ports, and small helpers.
# Builds and downloads are cached in PARMANA_INFRA_CACHE (kept between runs); running services keep their
# data, pid files and logs in PARMANA_INFRA_RUN (thrown away by `down`).

set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PARMANA_INFRA_CACHE="${PARMANA_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parmana-test-infra}"
# Under /tmp, not $HOME: when run as root, Postgres runs as the `postgres` user and must reach its data dir.
export PARMANA_INFRA_RUN="${PARMANA_INFRA_RUN:-/tmp/parmana-test-infra-$(id -u)}"

# Non-default ports on loopback only, so a developer's own services are never touched.
PG_PORT="${PARMANA_TEST_PG_PORT:-55432}"
REDIS_PORT="${PARMANA_TEST_REDIS_PORT:-56379}"
REDIS_SENTINEL_DATA_PORTS=(56381 56382 56383)
REDIS_SENTINEL_PORTS=(56391 56392 56393)
REDIS_CLUSTER_PORTS=(56401 56402 56403 56404 56405 56406)
KAFKA_PORT="${PARMANA_TEST_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${PARMANA_TEST_KAFKA_CONTROLLER_PORT:-59093}"
OTLP_PORT="${PARMANA_TEST_OTLP_PORT:-54318}"
OTELCOL_PORT="${PARMANA_TEST_OTELCOL_PORT:-54319}"

ALL_SERVICES=(postgres redis redis-sentinel redis-cluster kafka otlp otelcol k8s browser schemathesis)
# Started only when named (the e2e tier does): a real node (containerd + kubelet) for the control plane.
EXTRA_SERVICES=(node)

log() { printf '[infra] %s\n' "$*" >&2; }
die() {
  printf '[infra] error: %s\n' "$*" >&2
  exit 1
}

now_ms() { date +%s%3N; }

# Prints how long since $1 (from now_ms), e.g. "2.4s".
elapsed() { awk -v ms="$(($(now_ms) - $1))" 'BEGIN { printf "%.1fs", ms / 1000 }'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# reserve_ports PORT...: the fixed ports above lie in Linux's ephemeral range (32768-60999), so any outgoing
# loopback connection (the API server has hundreds) may take one as its local port and a listener started
# later fails with "address already in use". As root, add them to ip_local_reserved_ports so the kernel
# never hands them out; otherwise say how to do it once.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current missing
  [[ -r $file ]] || return 0
  current=$(cat "$file")
  # The kernel prints ranges ("52379-52380,55432"); keep them as they are and add what is not covered.
  missing=$(printf '%s\n' "$@" | awk -v reserved="$current" '
    BEGIN { n = split(reserved, r, ","); for (i = 1; i <= n; i++) { split(r[i], b, "-"); lo[i] = b[1]; hi[i] = (b[2] == "" ? b[1] : b[2]) } }
    { for (i = 1; i <= n; i++) if ($1 >= lo[i] + 0 && $1 <= hi[i] + 0) next; print }' | paste -sd, -)
  [[ -z $missing ]] && return 0
  if [[ -w $file ]] && printf '%s' "${current:+$current,}$missing" >"$file" 2>/dev/null; then
    return 0
  fi
  log "warning: could not reserve ports $missing (as root: sysctl -w net.ipv4.ip_local_reserved_ports=${current:+$current,}$missing)"
}

# require_port_free PORT NAME: fails naming whoever already listens on PORT.
require_port_free() {
  port_open "$1" || return 0
  die "$2 cannot listen on 127.0.0.1:$1: it is taken ($(ss -Hltnp "sport = :$1" 2>/dev/null | awk '{print $NF}' | head -1))"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@"; do
    if (($(date +%s) >= deadline)); then
      return 1
    fi
    sleep 0.2
  done
  log "$what"
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE NAME: TERM, then KILL after 20 s; waits until the process is gone.
stop_pid() {
  local pidfile=$1 name=$2 pid
  pid_alive "$pidfile" || return 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name did not stop in 20 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

APT_UPDATED=0
# ensure_packages COMMAND PACKAGE...: installs Debian packages when COMMAND is missing.
ensure_packages() {
  local probe=$1
  shift
  if [[ -x $probe ]] || command -v "$probe" >/dev/null 2>&1; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    die "$probe is missing; install the Debian packages: $* (as root: apt-get install -y $*)"
  fi
  local started
  started=$(now_ms)
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    apt-get update -qq >"$PARMANA_INFRA_CACHE/apt.log" 2>&1 || die "apt-get update failed; see $PARMANA_INFRA_CACHE/apt.log"
    APT_UPDATED=1
  fi
  log "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$PARMANA_INFRA_CACHE/apt.log" 2>&1 ||
    die "apt-get install $* failed; see $PARMANA_INFRA_CACHE/apt.log"
  log "installed $* in $(elapsed "$started")"
}

# write_service_json NAME JSON: what the tests read to find a running service.
write_service_json() {
  printf '%s\n' "$2" >"$PARMANA_INFRA_RUN/$1.json.tmp"
  mv "$PARMANA_INFRA_RUN/$1.json.tmp" "$PARMANA_INFRA_RUN/$1.json"
}

mkdir -p "$PARMANA_INFRA_CACHE" "$PARMANA_INFRA_RUN"
chmod 755 "$PARMANA_INFRA_RUN"
