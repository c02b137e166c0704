# shellcheck shell=bash
# A real Kubernetes control plane for the tests, the envtest way plus what makes workloads run:
# etcd 3.6, kube-apiserver, kube-controller-manager and kube-scheduler built from the Go module proxy
# (versions pinned in test/infra/k8s/VERSIONS by test/infra/k8s/pin), and kwok faking a Node so that Pods
# are scheduled and become Running/Ready.
# Also puts helm, promtool, kube-score and kube-linter where the tests find them. Everything listens on 127.0.0.1 only.

K8S_SRC="$INFRA_DIR/k8s"
K8S_DIR="$PARMANA_INFRA_RUN/k8s"
ETCD_PORT="${PARMANA_TEST_ETCD_PORT:-52379}"
ETCD_PEER_PORT="${PARMANA_TEST_ETCD_PEER_PORT:-52380}"
APISERVER_PORT="${PARMANA_TEST_APISERVER_PORT:-56443}"
KCM_PORT="${PARMANA_TEST_KCM_PORT:-56257}"
SCHEDULER_PORT="${PARMANA_TEST_SCHEDULER_PORT:-56259}"
KWOK_PORT="${PARMANA_TEST_KWOK_PORT:-56080}"
K8S_PORTS=("$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" "$KWOK_PORT")
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.19.0
# Manifest linters: kube-score from the Go module proxy; kube-linter from its vendored source (the proxy refuses
# it; see test/infra/k8s/kube-linter/VENDORED.md). Each binary is built once per bin dir.
KUBE_SCORE_VERSION=v1.20.0
KUBE_LINTER_VERSION=v0.8.3
K8S_BUILD_TAGS="selinux,notest"
# What the `kubernetes` Service's endpoint says: the real node's address (test/infra/services/node.sh), where a
# relay inside the node's network namespace leads pods to this API server. Nothing else connects to it.
K8S_ADVERTISE_ADDRESS=10.250.0.1
K8S_SERVICE_CIDR=10.0.0.0/24

k8s_versions() { mapfile -t K8S_PINNED <"$K8S_SRC/VERSIONS"; }

# Where the binaries of the pinned versions live; the key covers every input of the build.
k8s_bin_dir() {
  local key
  key=$(cat "$K8S_SRC"/VERSIONS "$K8S_SRC"/kube/go.* "$K8S_SRC"/etcd/go.* "$K8S_SRC"/kube/cmd/*/main.go \
    "$K8S_SRC"/etcd/main.go <(echo "$K8S_BUILD_TAGS $KWOK_VERSION $HELM_VERSION $(go env GOVERSION)") |
    sha256sum | cut -c1-12)
  printf '%s/k8s-%s/bin' "$PARMANA_INFRA_CACHE" "$key"
}

# go_build NAME MODULE_DIR PACKAGE [LDFLAGS]: one cached binary, with its build time logged.
k8s_go_build() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-} bin started
  bin=$(k8s_bin_dir)
  [[ -x $bin/$name ]] && return 0
  started=$(now_ms)
  log "building $name (cold builds take minutes on 2 cores; cached afterwards)"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags "$K8S_BUILD_TAGS" \
    -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg") >"$bin/$name.build.log" 2>&1 ||
    die "building $name failed; see $bin/$name.build.log"
  mv "$bin/$name.tmp" "$bin/$name"
  log "built $name in $(elapsed "$started")"
}

k8s_go_install() {
  local name=$1 pkg=$2 bin started
  bin=$(k8s_bin_dir)
  [[ -x $bin/$name ]] && return 0
  started=$(now_ms)
  log "building $name from $pkg"
  (cd "$bin" && CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" "$pkg") \
    >"$bin/$name.build.log" 2>&1 || die "go install $pkg failed; see $bin/$name.build.log"
  log "built $name in $(elapsed "$started")"
}

# The -ldflags that make a Kubernetes binary report the pinned version (as the upstream build does).
k8s_version_stamp() {
  local k8s=${K8S_PINNED[0]} major minor
  major=${k8s%%.*}
  minor=${k8s#*.}
  minor=${minor%%.*}
  printf '%s' "-X k8s.io/component-base/version.gitVersion=v$k8s -X k8s.io/component-base/version.gitMajor=$major \
-X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
}

k8s_ensure_binaries() {
  command -v go >/dev/null || die "go is missing: the control plane is built from Go modules (Go 1.24+)"
  ensure_packages openssl openssl
  ensure_packages curl curl
  ensure_packages promtool prometheus
  k8s_versions
  local bin k8s=${K8S_PINNED[0]} etcd=${K8S_PINNED[1]}
  bin=$(k8s_bin_dir)
  mkdir -p "$bin"
  local stamp
  stamp=$(k8s_version_stamp)
  k8s_go_build etcd "$K8S_SRC/etcd" . "-X go.etcd.io/etcd/api/v3/version.GitSHA=v$etcd"
  k8s_go_build kube-apiserver "$K8S_SRC/kube" ./cmd/kube-apiserver "$stamp"
  k8s_go_build kube-controller-manager "$K8S_SRC/kube" ./cmd/kube-controller-manager "$stamp"
  k8s_go_build kube-scheduler "$K8S_SRC/kube" ./cmd/kube-scheduler "$stamp"
  k8s_go_install kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  k8s_go_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  k8s_go_install kube-score "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
  k8s_go_build kube-linter "$K8S_SRC/kube-linter" ./cmd/kube-linter \
    "-X golang.stackrox.io/kube-linter/internal/version.version=$KUBE_LINTER_VERSION"
  ln -sf "$(command -v promtool)" "$bin/promtool"
  command -v kubectl >/dev/null || die "kubectl is missing: install kubectl 1.32+ (it ships on these machines)"
  ln -sf "$(command -v kubectl)" "$bin/kubectl"
  # Builds of earlier pins are ~400 MB each; keep only the current one.
  local old
  for old in "$PARMANA_INFRA_CACHE"/k8s-*; do
    [[ $old == "$(dirname "$bin")" ]] || rm -rf "$old"
  done
}

# PKI like envtest's: one CA; a serving cert for 127.0.0.1/localhost; an admin client cert in
# system:masters; the controller-manager's client cert; a key pair for signing service-account tokens.
k8s_pki() {
  local pki=$K8S_DIR/pki
  [[ -f $pki/.complete ]] && return 0
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=parmana-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
    issue() { # issue NAME SUBJECT EXTENSIONS
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 \
        -extfile <(printf '%s\n' "$3")
    }
    issue apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:10.0.0.1
extendedKeyUsage=serverAuth"
    issue admin "/O=system:masters/CN=parmana-test-admin" "extendedKeyUsage=clientAuth"
    issue controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
    issue scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
  ) >"$pki/openssl.log" 2>&1 || die "making the control plane's certificates failed; see $pki/openssl.log"
  touch "$pki/.complete"
}

# kubeconfig FILE CERT_NAME: a kubeconfig that authenticates with pki/CERT_NAME.{crt,key}.
k8s_kubeconfig() {
  local file=$1 who=$2 pki=$K8S_DIR/pki
  KUBECONFIG=$file kubectl config set-cluster parmana-test --server="https://127.0.0.1:$APISERVER_PORT" \
    --certificate-authority="$pki/ca.crt" --embed-certs >/dev/null
  KUBECONFIG=$file kubectl config set-credentials "$who" --client-certificate="$pki/$who.crt" \
    --client-key="$pki/$who.key" --embed-certs >/dev/null
  KUBECONFIG=$file kubectl config set-context parmana-test --cluster=parmana-test --user="$who" >/dev/null
  KUBECONFIG=$file kubectl config use-context parmana-test >/dev/null
}

# start_bg NAME COMMAND...: runs a daemon in its own session with its log and pid file under $K8S_DIR.
k8s_start_bg() {
  local name=$1
  shift
  setsid "$@" >"$K8S_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$K8S_DIR/$name.pid"
}

k8s_etcd_ready() { curl -sf "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
k8s_apiserver_ready() { kubectl --kubeconfig "$K8S_DIR/admin.kubeconfig" get --raw /readyz >/dev/null 2>&1; }
k8s_kcm_ready() { curl -skf "https://127.0.0.1:$KCM_PORT/healthz" >/dev/null 2>&1; }
k8s_scheduler_ready() { curl -skf "https://127.0.0.1:$SCHEDULER_PORT/healthz" >/dev/null 2>&1; }
k8s_node_ready() {
  [[ $(kubectl --kubeconfig "$K8S_DIR/admin.kubeconfig" get node kwok-node-0 \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

k8s_kwok_config() {
  local stages
  stages="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  local file first=1
  for file in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
    pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -f $stages/$file ]] || die "kwok stage $stages/$file is missing (is the kwok module in the Go module cache?)"
    ((first)) || echo "---"
    first=0
    cat "$stages/$file"
  done
}

k8s_running() {
  pid_alive "$K8S_DIR/etcd.pid" && pid_alive "$K8S_DIR/kube-apiserver.pid" &&
    pid_alive "$K8S_DIR/kube-controller-manager.pid" && pid_alive "$K8S_DIR/kube-scheduler.pid" &&
    pid_alive "$K8S_DIR/kwok.pid" && k8s_apiserver_ready
}

k8s_up() {
  k8s_ensure_binaries
  local bin port
  bin=$(k8s_bin_dir)
  if k8s_running; then
    log "kubernetes control plane already running on https://127.0.0.1:$APISERVER_PORT"
  else
    k8s_down_processes
    mkdir -p "$K8S_DIR"
    rm -rf "$K8S_DIR/etcd-data"
    for port in "${K8S_PORTS[@]}"; do require_port_free "$port" "the control plane"; done
    k8s_pki
    local pki=$K8S_DIR/pki
    k8s_kubeconfig "$K8S_DIR/admin.kubeconfig" admin
    k8s_kubeconfig "$K8S_DIR/controller-manager.kubeconfig" controller-manager
    k8s_kubeconfig "$K8S_DIR/scheduler.kubeconfig" scheduler

    k8s_start_bg etcd "$bin/etcd" --name parmana-test --data-dir "$K8S_DIR/etcd-data" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "parmana-test=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
    wait_until 60 "etcd healthy on 127.0.0.1:$ETCD_PORT" k8s_etcd_ready ||
      die "etcd did not become healthy; see $K8S_DIR/etcd.log"

    k8s_start_bg kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
      --bind-address 127.0.0.1 --advertise-address "$K8S_ADVERTISE_ADDRESS" --secure-port "$APISERVER_PORT" \
      --cert-dir "$K8S_DIR/apiserver-certs" --tls-cert-file "$pki/apiserver.crt" \
      --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
      --service-cluster-ip-range "$K8S_SERVICE_CIDR" --authorization-mode RBAC,Node \
      --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$pki/sa.pub" \
      --service-account-signing-key-file "$pki/sa.key" \
      --allow-privileged=true --enable-priority-and-fairness=false --v=0
    wait_until 120 "kube-apiserver ready on https://127.0.0.1:$APISERVER_PORT" k8s_apiserver_ready ||
      die "kube-apiserver did not become ready; see $K8S_DIR/kube-apiserver.log"

    k8s_start_bg kube-controller-manager "$bin/kube-controller-manager" \
      --kubeconfig "$K8S_DIR/controller-manager.kubeconfig" \
      --authentication-kubeconfig "$K8S_DIR/controller-manager.kubeconfig" \
      --authorization-kubeconfig "$K8S_DIR/controller-manager.kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$K8S_DIR/kcm-certs" \
      --leader-elect=false --use-service-account-credentials \
      --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
      --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
      --controllers '*,-nodeipam,-cloud-node-lifecycle,-service,-route,-persistentvolume-binder,-attachdetach,-persistentvolume-expander,-ephemeral-volume,-pv-protection,-pvc-protection' \
      --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 --concurrent-gc-syncs 20 --v=0
    wait_until 60 "kube-controller-manager healthy" k8s_kcm_ready ||
      die "kube-controller-manager did not become healthy; see $K8S_DIR/kube-controller-manager.log"

    k8s_start_bg kube-scheduler "$bin/kube-scheduler" --kubeconfig "$K8S_DIR/scheduler.kubeconfig" \
      --authentication-kubeconfig "$K8S_DIR/scheduler.kubeconfig" \
      --authorization-kubeconfig "$K8S_DIR/scheduler.kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --cert-dir "$K8S_DIR/scheduler-certs" \
      --leader-elect=false --v=0
    wait_until 60 "kube-scheduler healthy" k8s_scheduler_ready ||
      die "kube-scheduler did not become healthy; see $K8S_DIR/kube-scheduler.log"

    # kwok: a fake Node on the real API server. Its behaviour (initialise and heartbeat the Node, make Pods
    # Running/Ready, finish deleting them) is kwok's own "fast" stages, taken from the pinned module's source.
    k8s_kwok_config >"$K8S_DIR/kwok.yaml"
    k8s_start_bg kwok "$bin/kwok" --config "$K8S_DIR/kwok.yaml" --kubeconfig "$K8S_DIR/admin.kubeconfig" \
      --manage-single-node kwok-node-0 --cidr 10.0.0.1/24 --node-ip 10.0.0.1 \
      --server-address "127.0.0.1:$KWOK_PORT"
    kubectl --kubeconfig "$K8S_DIR/admin.kubeconfig" apply -f "$K8S_SRC/kwok-node.yaml" >/dev/null ||
      die "creating the kwok Node failed"
    wait_until 60 "kwok node Ready" k8s_node_ready || die "the kwok Node did not become Ready; see $K8S_DIR/kwok.log"
  fi
  # A Node kept from an earlier run (etcd's data survives restarts) keeps the status it was created with: bring its
  # capacity to kwok-node.yaml's, which real kubelets report too (pods request ephemeral-storage).
  local capacity='{"cpu": "32", "memory": "256Gi", "ephemeral-storage": "100Gi", "pods": "110"}'
  kubectl --kubeconfig "$K8S_DIR/admin.kubeconfig" patch node kwok-node-0 --subresource=status --type=merge \
    -p "{\"status\": {\"capacity\": $capacity, \"allocatable\": $capacity}}" >/dev/null ||
    die "setting the kwok Node's capacity failed"
  write_service_json k8s "{\"kubeconfig\": \"$K8S_DIR/admin.kubeconfig\", \
\"server\": \"https://127.0.0.1:$APISERVER_PORT\", \"bin\": \"$bin\", \"log\": \"$K8S_DIR/kube-apiserver.log\", \
\"logs\": \"$K8S_DIR\", \"pki\": \"$K8S_DIR/pki\", \"etcd\": \"http://127.0.0.1:$ETCD_PORT\"}"
}

k8s_down_processes() {
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    if pid_alive "$K8S_DIR/$name.pid"; then
      stop_pid "$K8S_DIR/$name.pid" "$name"
      log "$name stopped"
    fi
  done
}

k8s_down() {
  k8s_down_processes
  rm -f "$PARMANA_INFRA_RUN/k8s.json"
}

k8s_purge() { rm -rf "$K8S_DIR"; }

k8s_env() {
  printf 'export KUBECONFIG=%s  # kubectl get ns; kubectl version\n' "$K8S_DIR/admin.kubeconfig"
  printf 'export PATH=%s:$PATH  # helm, promtool, kwok, etcd, kube-apiserver\n' "$(k8s_bin_dir)"
}
