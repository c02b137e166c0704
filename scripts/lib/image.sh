# shellcheck shell=bash
# Source me: builds OCI images with buildah (daemonless, as root) and nothing from a registry.
# - image_base: two Node.js base images assembled from the official binary the npm package node-linux-<arch>
#   carries, the glibc/libstdc++ it links against (copied from this Debian), CA certificates and /etc/passwd with
#   the non-root user 10001 — the runtime's, with no shell and no npm, and the build stage's, plus npm (the
#   registry's package).
# - image_build_parmana: deploy/Dockerfile on those bases, npm installing from the host's cache with no network.
# - image_archive: a docker-archive tar, which containerd's `ctr images import` reads.
# Images live in PARMANA_IMAGE_STORE (a buildah storage root of its own, kept between runs).

PARMANA_IMAGE_STORE="${PARMANA_IMAGE_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/parmana-images}"
PARMANA_NPM_VERSION="${PARMANA_NPM_VERSION:-11.6.2}"
PARMANA_IMAGE_UID=10001

image_log() { printf '[image] %s\n' "$*" >&2; }
image_die() {
  printf '[image] error: %s\n' "$*" >&2
  exit 1
}

image_require_tools() {
  [[ $(id -u) == 0 ]] || image_die "buildah builds as root here (rootless needs subuid mappings): run as root"
  if ! command -v buildah >/dev/null; then
    command -v apt-get >/dev/null || image_die "buildah is missing (install Debian's buildah)"
    image_log "installing buildah (Debian package)"
    { apt-get install -y -qq buildah || { apt-get update -qq && apt-get install -y -qq buildah; }; } >&2 ||
      image_die "apt-get install buildah failed"
  fi
}

# buildah with this project's storage: overlay when the kernel allows it, else vfs (PARMANA_BUILDAH_DRIVER).
image_buildah() {
  buildah --root "$PARMANA_IMAGE_STORE/storage" --runroot "$PARMANA_IMAGE_STORE/run" \
    --storage-driver "${PARMANA_BUILDAH_DRIVER:-overlay}" "$@"
}

image_exists() { image_buildah inspect --type image "$1" >/dev/null 2>&1; }

# The base images' names: they change with every input, so a new Node or npm version builds new ones.
image_base_name() { printf 'localhost/parmana-node-base:%s-%s' "$PARMANA_NODE_VERSION" "$(uname -m)"; }
image_build_base_name() {
  printf 'localhost/parmana-node-build:%s-npm%s-%s' "$PARMANA_NODE_VERSION" "$PARMANA_NPM_VERSION" "$(uname -m)"
}

# image_copy_libs ROOTFS BINARY: the shared libraries BINARY needs, at the paths the loader looks for them.
image_copy_libs() {
  local rootfs=$1 binary=$2 lib
  while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# image_commit_rootfs ROOTFS NAME: a single-layer image of ROOTFS running `node` by default.
image_commit_rootfs() {
  local ctr
  ctr=$(image_buildah from scratch)
  image_buildah copy "$ctr" "$1" / >/dev/null
  image_buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="$PARMANA_NODE_VERSION" \
    --label org.opencontainers.image.description="Node.js $PARMANA_NODE_VERSION (the official binary) on Debian $(cut -d. -f1 /etc/debian_version) libraries, assembled by scripts/lib/image.sh" \
    --cmd node "$ctr"
  image_buildah commit --quiet --rm "$ctr" "$2" >/dev/null || image_die "committing $2 failed"
}

# Both bases: the runtime one (node, its libraries, CA certificates, users; no shell, no npm) and the build
# one (the same plus npm).
image_base() {
  image_exists "$(image_base_name)" && image_exists "$(image_build_base_name)" && return 0
  local started node_bin work rootfs
  started=$(date +%s)
  node_bin=$(parmana_node_package_bin) || image_die "the Node.js binary could not be fetched"
  work=$(mktemp -d -t parmana-base-XXXXXX)
  rootfs=$work/rootfs
  mkdir -p "$rootfs"/{usr/local/bin,etc/ssl/certs,tmp,root,home/parmana}
  chmod 1777 "$rootfs/tmp"
  chmod 700 "$rootfs/root"
  cp "$node_bin/node" "$rootfs/usr/local/bin/node"
  image_copy_libs "$rootfs" "$node_bin/node"
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] || image_die "/etc/ssl/certs/ca-certificates.crt is missing (Debian's ca-certificates)"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nparmana:x:%s:%s:parmana:/home/parmana:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' \
    "$PARMANA_IMAGE_UID" "$PARMANA_IMAGE_UID" >"$rootfs/etc/passwd"
  printf 'root:x:0:\nparmana:x:%s:\nnogroup:x:65534:\n' "$PARMANA_IMAGE_UID" >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chown "$PARMANA_IMAGE_UID:$PARMANA_IMAGE_UID" "$rootfs/home/parmana"
  "$rootfs/usr/local/bin/node" --version >/dev/null || image_die "the Node.js binary does not run"
  image_commit_rootfs "$rootfs" "$(image_base_name)"

  image_log "fetching npm@$PARMANA_NPM_VERSION for the build stage"
  (cd "$work" && npm pack --silent "npm@$PARMANA_NPM_VERSION" >/dev/null) || image_die "npm pack npm@$PARMANA_NPM_VERSION failed"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$PARMANA_NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components 1
  image_commit_rootfs "$rootfs" "$(image_build_base_name)"
  rm -rf "$work"
  image_log "assembled $(image_base_name) and $(image_build_base_name) in $(($(date +%s) - started))s"
}

# image_build_parmana ROOT TAG: builds ROOT/deploy/Dockerfile as TAG on the assembled base, with no network.
image_build_parmana() {
  local root=$1 tag=$2 cache
  image_base
  cache=$(npm config get cache 2>/dev/null)
  [[ -d $cache/_cacache ]] || image_die "no npm cache at $cache: run npm ci in $root first (the build installs from it offline)"
  image_log "building $tag from deploy/Dockerfile (buildah, in a network namespace with no interfaces)"
  # chroot isolation shares the caller's network, so the whole build runs in a new, empty network namespace:
  # anything that tried to download would fail.
  unshare --net -- buildah --root "$PARMANA_IMAGE_STORE/storage" --runroot "$PARMANA_IMAGE_STORE/run" \
    --storage-driver "${PARMANA_BUILDAH_DRIVER:-overlay}" bud --quiet --layers --isolation chroot \
    --build-arg NODE_IMAGE="$(image_base_name)" --build-arg NODE_BUILD_IMAGE="$(image_build_base_name)" \
    --build-arg npm_config_offline=true \
    --build-arg npm_config_cache=/npm-cache --volume "$cache:/npm-cache" \
    -f "$root/deploy/Dockerfile" -t "$tag" "$root" >&2 || image_die "building $tag failed (see the output above)"
}

# image_archive IMAGE FILE NAME: writes IMAGE as a docker-archive that names itself NAME.
image_archive() {
  rm -f "$2"
  image_buildah push --quiet "$1" "docker-archive:$2:$3" >&2 || image_die "writing $2 failed"
}
