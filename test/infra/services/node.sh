# shellcheck shell=bash
# A real node for the e2e tier: containerd (Debian's) + runc + CNI bridge + kubelet + kube-proxy (built from the
# same k8s.io/kubernetes module as the control plane), registered with the test control plane as $NODE_NAME
# beside kwok's fake node. Tainted, so only pods that tolerate the taint (the e2e's) are scheduled on it.
#
# The network rule: traffic goes only to loopback or to addresses inside network namespaces this harness makes.
# So the node lives in its own network namespace, $NODE_NETNS, which has no link to any other namespace: its
# loopback carries $NODE_IP, its bridge the pod network $POD_CIDR, kube-proxy's rules the Service IPs. Whatever
# the pods need from the host (the API server, Redis, Postgres) crosses over as a Unix socket: a socat in the
# root namespace relays the socket to the service's loopback port, and a socat in $NODE_NETNS listens on
# $NODE_IP:<port> and relays to the socket. Clients of the pods (the e2e tests) run inside $NODE_NETNS too.
#
# Images: nothing is pulled. The pause image is Kubernetes' own pause.c built here; the parmana image comes from
# scripts/image.sh and is loaded with test/infra/load-image (the e2e tier does both).

NODE_DIR="$PARMANA_INFRA_RUN/node"
NODE_NETNS="${PARMANA_TEST_NODE_NETNS:-parmana-node}"
NODE_NAME=parmana-node-0
NODE_IP=$K8S_ADVERTISE_ADDRESS
POD_CIDR=10.251.0.0/24
POD_GATEWAY=10.251.0.1
POD_BRIDGE=parmana-br0
NODE_TAINT_KEY=parmana.io/real-node
PAUSE_IMAGE=registry.k8s.io/pause:3.10
NODE_REDIS_PORT=6379
NODE_PG_PORT=5432

node_exec() { nsenter --net="/run/netns/$NODE_NETNS" -- "$@"; }

node_ctr() { ctr --address "$NODE_DIR/containerd.sock" --namespace k8s.io "$@"; }

node_kubectl() { kubectl --kubeconfig "$K8S_DIR/admin.kubeconfig" "$@"; }

# node_start_bg NAME COMMAND...: a daemon with its log and pid file under $NODE_DIR.
node_start_bg() {
  local name=$1
  shift
  setsid "$@" >"$NODE_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$NODE_DIR/$name.pid"
}

node_ensure_packages() {
  ensure_packages containerd containerd
  ensure_packages runc runc
  ensure_packages /usr/lib/cni/bridge containernetworking-plugins
  ensure_packages iptables iptables
  ensure_packages conntrack conntrack
  ensure_packages socat socat
  ensure_packages nsenter util-linux
  ensure_packages buildah buildah
  ensure_packages gcc gcc libc6-dev
  [[ -f /usr/lib/x86_64-linux-gnu/libc.a || -f /usr/lib/aarch64-linux-gnu/libc.a ]] ||
    ensure_packages /nonexistent-libc.a libc6-dev
}

node_netns_up() {
  [[ -e /run/netns/$NODE_NETNS ]] || ip netns add "$NODE_NETNS" || die "creating the network namespace $NODE_NETNS failed"
  node_exec ip link set lo up
  node_exec ip addr replace "$NODE_IP/32" dev lo
  node_exec sysctl -qw net.ipv4.ip_forward=1
  # The pods' bridge (the CNI bridge plugin adopts it), and a route for the Service IPs, so that a client in the
  # namespace has somewhere to send a packet before kube-proxy's rules rewrite it to a pod.
  node_exec ip link show "$POD_BRIDGE" >/dev/null 2>&1 || node_exec ip link add "$POD_BRIDGE" type bridge
  node_exec ip addr replace "$POD_GATEWAY/${POD_CIDR#*/}" dev "$POD_BRIDGE"
  node_exec ip link set "$POD_BRIDGE" up
  node_exec ip route replace "$K8S_SERVICE_CIDR" dev "$POD_BRIDGE" src "$POD_GATEWAY"
  # Pod-to-Service traffic between pods on one bridge must pass kube-proxy's iptables rules.
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null || true
  node_exec sysctl -qw net.bridge.bridge-nf-call-iptables=1 ||
    die "net.bridge.bridge-nf-call-iptables cannot be set in $NODE_NETNS (br_netfilter missing from this kernel?)"
}

# node_relay NAME PORT TARGET: $NODE_IP:PORT (and 127.0.0.1:PORT) inside the namespace reaches TARGET in the root
# namespace, either a Unix socket path or a loopback TCP port.
node_relay() {
  local name=$1 port=$2 target=$3 socket
  if [[ $target == /* ]]; then
    socket=$target
  else
    socket=$NODE_DIR/relay-$name.sock
    rm -f "$socket"
    node_start_bg "relay-$name-host" socat "UNIX-LISTEN:$socket,fork,mode=600" "TCP:127.0.0.1:$target"
  fi
  node_start_bg "relay-$name-node" nsenter --net="/run/netns/$NODE_NETNS" -- \
    socat "TCP-LISTEN:$port,bind=0.0.0.0,fork,reuseaddr" "UNIX-CONNECT:$socket"
}

# The node's and kube-proxy's client certificates, from the test control plane's CA.
node_pki() {
  local pki=$K8S_DIR/pki
  [[ -f $pki/node.crt && -f $pki/kube-proxy.crt ]] && return 0
  (
    cd "$pki"
    issue() {
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 \
        -extfile <(printf '%s\n' "$3")
    }
    issue node "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth"
    issue kubelet-serving "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME
extendedKeyUsage=serverAuth"
    issue kube-proxy "/CN=system:kube-proxy" "extendedKeyUsage=clientAuth"
  ) >"$pki/node-openssl.log" 2>&1 || die "making the node's certificates failed; see $pki/node-openssl.log"
}

node_containerd_config() {
  cat <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$NODE_DIR/containerd.sock"
[ttrpc]
  address = "$NODE_DIR/containerd.sock.ttrpc"
[debug]
  level = "warn"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_selinux = false
  # This machine withholds CAP_SYS_RESOURCE, so no process may lower its oom_score_adj (the kubelet asks -998
  # for sandboxes, -997 for Guaranteed pods): keep every container's at or above containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$NODE_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni"
EOF
}

node_cni_config() {
  cat <<EOF
{
  "cniVersion": "0.4.0",
  "name": "parmana-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$NODE_DIR/cni-ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

node_kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $K8S_DIR/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $K8S_DIR/pki/kubelet-serving.crt
tlsPrivateKeyFile: $K8S_DIR/pki/kubelet-serving.key
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$NODE_DIR/containerd.sock
podLogsDir: $NODE_DIR/pod-logs
# Nothing can be pulled here: never collect an image, and evict only when the disk is really full.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2% }
serializeImagePulls: false
registerWithTaints:
  - { key: $NODE_TAINT_KEY, value: "true", effect: NoSchedule }
resolvConf: $NODE_DIR/resolv.conf
maxPods: 30
EOF
}

# The pause image: Kubernetes' build/pause/linux/pause.c from the pinned module, static, in a scratch image.
node_pause_archive() {
  local archive=$PARMANA_INFRA_CACHE/images/pause-3.10.tar
  if [[ ! -f $archive ]]; then
    local src work ctr started
    started=$(now_ms)
    src="$(go env GOMODCACHE)/k8s.io/kubernetes@v${K8S_PINNED[0]}/build/pause/linux/pause.c"
    [[ -f $src ]] || (cd "$K8S_SRC/kube" && go mod download "k8s.io/kubernetes@v${K8S_PINNED[0]}") ||
      die "the kubernetes module (for pause.c) could not be downloaded"
    work=$(mktemp -d -t parmana-pause-XXXXXX)
    gcc -Os -static -DVERSION=v3.10-parmana -o "$work/pause" "$src" >"$work/gcc.log" 2>&1 ||
      die "compiling pause.c failed: $(cat "$work/gcc.log")"
    mkdir -p "$(dirname "$archive")"
    (
      source "$INFRA_DIR/../../scripts/lib/image.sh"
      ctr=$(image_buildah from scratch)
      image_buildah copy "$ctr" "$work/pause" /pause >/dev/null
      image_buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
      image_buildah commit --quiet --rm "$ctr" localhost/parmana-pause:3.10 >/dev/null
      image_archive localhost/parmana-pause:3.10 "$archive.tmp" "$PAUSE_IMAGE"
    ) || die "building the pause image failed"
    mv "$archive.tmp" "$archive"
    rm -rf "$work"
    log "built the pause image in $(elapsed "$started")"
  fi
  printf '%s\n' "$archive"
}

# node_load_image ARCHIVE: a docker-archive into the node's containerd (what kubelet runs from).
node_load_image() {
  node_ctr images import --no-unpack=false --snapshotter overlayfs "$1" >"$NODE_DIR/import.log" 2>&1 ||
    die "importing $1 into the node's containerd failed: $(cat "$NODE_DIR/import.log")"
}

node_ready() {
  [[ $(node_kubectl get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}
node_containerd_ready() { node_ctr version >/dev/null 2>&1; }
node_proxy_ready() { node_exec curl -sf http://127.0.0.1:10256/healthz >/dev/null 2>&1; }
node_relays_alive() {
  local f
  for f in "$NODE_DIR"/relay-*.pid; do pid_alive "$f" || return 1; done
}

node_running() {
  [[ -e /run/netns/$NODE_NETNS ]] && pid_alive "$NODE_DIR/containerd.pid" && pid_alive "$NODE_DIR/kubelet.pid" &&
    pid_alive "$NODE_DIR/kube-proxy.pid" && node_relays_alive && node_ready
}

# The control plane must tell pods to reach it at $NODE_IP (the `kubernetes` Service's endpoint).
node_check_advertised() {
  local advertised
  advertised=$(node_kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes \
    -o jsonpath='{.items[0].endpoints[0].addresses[0]}' 2>/dev/null)
  [[ $advertised == "$NODE_IP" ]] ||
    die "the control plane advertises '$advertised', not $NODE_IP: it was started by an older harness; restart it (test/infra/down k8s && test/infra/up k8s node)"
}

node_up() {
  node_ensure_packages
  postgres_up
  redis_up
  k8s_up
  k8s_versions
  k8s_go_build kubelet "$K8S_SRC/kube" ./cmd/kubelet "$(k8s_version_stamp)"
  k8s_go_build kube-proxy "$K8S_SRC/kube" ./cmd/kube-proxy "$(k8s_version_stamp)"
  node_check_advertised
  local bin
  bin=$(k8s_bin_dir)
  if node_running; then
    log "node $NODE_NAME already running in network namespace $NODE_NETNS"
  else
    node_down_processes
    # A node starts empty: whatever an earlier one left (containers, address leases, the kubelet's state) was
    # ended with it. Images are loaded again (the pause image here, the parmana image by test/infra/load-image).
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"/{cni,cni-ipam,pod-logs,kubelet,runc}
    node_netns_up
    node_relay apiserver "$APISERVER_PORT" "$APISERVER_PORT"
    node_relay redis "$NODE_REDIS_PORT" "$REDIS_PORT"
    node_relay postgres "$NODE_PG_PORT" "$PG_DIR/.s.PGSQL.$PG_PORT"
    node_pki
    k8s_kubeconfig "$NODE_DIR/kubelet.kubeconfig" node
    k8s_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" kube-proxy
    k8s_kubeconfig "$NODE_DIR/admin.kubeconfig" admin

    node_containerd_config >"$NODE_DIR/containerd.toml"
    node_cni_config >"$NODE_DIR/cni/10-parmana.conflist"
    # Pods get no DNS server: nothing here resolves names, and a pod's resolver must not leave the namespace.
    printf 'nameserver %s\noptions ndots:1 timeout:1 attempts:1\n' "$NODE_IP" >"$NODE_DIR/resolv.conf"
    node_start_bg containerd nsenter --net="/run/netns/$NODE_NETNS" -- containerd --config "$NODE_DIR/containerd.toml"
    wait_until 60 "containerd serving $NODE_DIR/containerd.sock" node_containerd_ready ||
      die "containerd did not start; see $NODE_DIR/containerd.log"
    node_load_image "$(node_pause_archive)"

    node_kubelet_config >"$NODE_DIR/kubelet.yaml"
    node_start_bg kubelet nsenter --net="/run/netns/$NODE_NETNS" -- "$bin/kubelet" \
      --config "$NODE_DIR/kubelet.yaml" --kubeconfig "$NODE_DIR/kubelet.kubeconfig" \
      --root-dir "$NODE_DIR/kubelet" --cert-dir "$NODE_DIR/kubelet/pki" --hostname-override "$NODE_NAME" \
      --node-ip "$NODE_IP" --node-labels "$NODE_TAINT_KEY=true" --v=1
    wait_until 120 "node $NODE_NAME Ready" node_ready ||
      die "the kubelet did not make $NODE_NAME Ready; see $NODE_DIR/kubelet.log"

    node_start_bg kube-proxy nsenter --net="/run/netns/$NODE_NETNS" -- "$bin/kube-proxy" \
      --kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
      --proxy-mode iptables --cluster-cidr "$POD_CIDR" --metrics-bind-address 127.0.0.1:10249 \
      --healthz-bind-address 127.0.0.1:10256 --conntrack-max-per-core 0 \
      --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 --v=1
    wait_until 60 "kube-proxy healthy" node_proxy_ready || die "kube-proxy did not become healthy; see $NODE_DIR/kube-proxy.log"
  fi
  write_service_json node "{\"netns\": \"$NODE_NETNS\", \"name\": \"$NODE_NAME\", \"ip\": \"$NODE_IP\", \
\"podCidr\": \"$POD_CIDR\", \"taint\": \"$NODE_TAINT_KEY\", \"kubeconfig\": \"$NODE_DIR/admin.kubeconfig\", \
\"containerd\": \"$NODE_DIR/containerd.sock\", \"redisUrl\": \"redis://$NODE_IP:$NODE_REDIS_PORT\", \
\"databaseUrl\": \"postgres://$PG_USER:$PG_PASSWORD@$NODE_IP:$NODE_PG_PORT/$PG_DATABASE\", \
\"hostDatabaseUrl\": \"postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE\", \
\"logs\": \"$NODE_DIR\", \"podLogs\": \"$NODE_DIR/pod-logs\", \"log\": \"$NODE_DIR/kubelet.log\"}"
}

# Stops the node's daemons and removes every container, mount and namespace it made.
node_down_processes() {
  local name f
  for name in kube-proxy kubelet; do
    if pid_alive "$NODE_DIR/$name.pid"; then
      stop_pid "$NODE_DIR/$name.pid" "$name"
      log "$name stopped"
    fi
  done
  if [[ -d $NODE_DIR/runc/k8s.io ]]; then
    local id
    for id in $(runc --root "$NODE_DIR/runc/k8s.io" list -q 2>/dev/null); do
      runc --root "$NODE_DIR/runc/k8s.io" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  pkill -f "containerd-shim-runc-v2 .*-address $NODE_DIR/containerd.sock" 2>/dev/null || true
  if pid_alive "$NODE_DIR/containerd.pid"; then
    stop_pid "$NODE_DIR/containerd.pid" containerd
    log "containerd stopped"
  fi
  for f in "$NODE_DIR"/relay-*.pid; do
    [[ -f $f ]] && stop_pid "$f" "$(basename "$f" .pid)"
  done
  pkill -f "socat .*$NODE_DIR/relay-" 2>/dev/null || true
  # Secret and ConfigMap volumes (tmpfs), overlay root filesystems, pod network namespaces.
  if [[ -d $NODE_DIR ]]; then
    awk -v dir="$NODE_DIR" '$2 ~ "^" dir { print $2 }' /proc/mounts | sort -r | while read -r f; do
      umount -l "$f" 2>/dev/null || true
    done
  fi
  local netns
  for netns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ { print $1 }'); do
    ip netns del "$netns" 2>/dev/null || true
  done
  [[ -e /run/netns/$NODE_NETNS ]] && ip netns del "$NODE_NETNS" 2>/dev/null
  rm -f "$NODE_DIR"/*.pid
}

node_down() {
  node_down_processes
  if [[ -f $K8S_DIR/admin.kubeconfig ]] && k8s_apiserver_ready; then
    node_kubectl delete node "$NODE_NAME" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  rm -f "$PARMANA_INFRA_RUN/node.json"
}

node_purge() { rm -rf "$NODE_DIR"; }

node_env() {
  printf '# the node: nsenter --net=/run/netns/%s -- curl ...  (pods, Services and %s live there)\n' "$NODE_NETNS" "$NODE_IP"
  printf 'alias parmana-node-ctr="ctr --address %s --namespace k8s.io"\n' "$NODE_DIR/containerd.sock"
}
