#!/usr/bin/env bash
# Builds the parmana image from deploy/Dockerfile with no Docker daemon and nothing pulled from a registry:
# buildah on a Node 24 base image assembled locally (scripts/lib/image.sh says from what). Needs root.
# Usage: scripts/image.sh [--tag NAME:TAG] [--out FILE.tar]
#   --tag  the image's name (default parmana/parmana:<package.json version>, the chart's default)
#   --out  also write it as a docker-archive (`ctr images import FILE`, `docker load -i FILE`, `podman load`)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/node.sh"
source "$root/scripts/lib/image.sh"

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json")
tag="parmana/parmana:$version"
out=""
while (($#)); do
  case "$1" in
    --tag) tag=${2:?--tag needs NAME:TAG}; shift 2 ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "usage: scripts/image.sh [--tag NAME:TAG] [--out FILE.tar]" >&2; exit 2 ;;
  esac
done
[[ $tag == */* ]] || tag="localhost/$tag"

image_require_tools
parmana_prepare_checkout "$root"
started=$(date +%s)
image_build_parmana "$root" "$tag"
size=$(image_buildah images --format '{{.Size}}' "$tag" 2>/dev/null | head -1)
image_log "built $tag in $(($(date +%s) - started))s (${size:-size unknown})"
if [[ -n $out ]]; then
  image_archive "$tag" "$out" "docker.io/$tag"
  image_log "wrote $out"
fi
