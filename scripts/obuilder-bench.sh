#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks OBuilder on each store: a cold fetch of a base image from a local registry into a
# fresh store, builds cold (a fresh snapshot store each run) vs cached (every step from the
# store), and a step mounting a 1 MiB and a 1 GiB cache; prints median/min/max of each.
#
#   scripts/obuilder-bench.sh [--runs N] [--stores "overlayfs rsync btrfs xfs"] [--registry-port P]
#
# Starts a docker-registry on 127.0.0.1:P (default 26010) and pushes busybox to it
# (scripts/push-base-image.sh); makes a busybox base image (scripts/make-base-image.sh) and, for
# btrfs and xfs, a 4 GiB file
# system on a loop device, in a temporary directory; builds obuilder-bench in release mode and
# runs it once per store; everything is unmounted and removed afterwards. The rsync store runs
# with --rsync-mode copy. Needs root, runc, busybox-static, rsync, btrfs-progs, xfsprogs,
# docker-registry, skopeo and umoci
# (scripts/install-deps.sh). Built in release mode in the Benchmarks package (Benchmarks/.build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=10
stores="overlayfs rsync btrfs xfs"
registry_port=26010
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --stores) stores="$2"; shift 2 ;;
    --registry-port) registry_port="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--stores \"overlayfs rsync btrfs xfs\"] [--registry-port P]" >&2; exit 2 ;;
    esac
done
swift build -c release --package-path Benchmarks --product obuilder-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"
work="$(mktemp -d "${TMPDIR:-/tmp}/obuilder-bench.XXXXXX")"
registry_pid=
cleanup() {
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
    for mnt in "$work"/mnt-*; do
        [ -d "$mnt" ] && { umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true; }
    done
    rm -rf "$work"
}
trap cleanup EXIT
bash scripts/make-base-image.sh "$work/images" busybox >&2
printf '%s\n' "version: 0.1" "log:" "  level: warn" "storage:" "  filesystem:" \
    "    rootdirectory: $work/registry" "http:" "  addr: 127.0.0.1:$registry_port" \
    "  secret: obuilder-bench" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$registry_port") 2>/dev/null; then break; fi
    kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log" >&2; exit 1; }
    sleep 0.1
done
image="127.0.0.1:$registry_port/bench/busybox:1"
bash scripts/push-base-image.sh "$image" >&2
for store in $stores; do
    extra=()
    case "$store" in
    overlayfs) spec="overlayfs:$work/stores" ;;
    rsync) spec="rsync:$work/stores"; extra=(--rsync-mode copy) ;;
    btrfs | xfs)
        truncate -s 4G "$work/$store.img"
        if [ "$store" = btrfs ]; then mkfs.btrfs -q "$work/$store.img"; else mkfs.xfs -q -m reflink=1 "$work/$store.img"; fi
        mkdir -p "$work/mnt-$store"
        mount -o loop "$work/$store.img" "$work/mnt-$store"
        spec="$store:$work/mnt-$store/stores" ;;
    *) echo "unknown store $store" >&2; exit 2 ;;
    esac
    echo "== $store"
    "$bin/obuilder-bench" --base-images "$work/images" --work "$work" --runs "$runs" --store "$spec" --image "$image" "${extra[@]}"
    if [ -d "$work/mnt-$store" ]; then umount "$work/mnt-$store"; rm -f "$work/$store.img"; fi
done
