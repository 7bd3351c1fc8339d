#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Makes a Debian bookworm image without a registry: debootstrap (minbase plus PACKAGES) from the
# Debian archive, then `docker import`. For machines that reach the Debian archive but no image
# registry; with a registry, the Dockerfiles' own `FROM debian:bookworm-slim` is the way.
#
#   scripts/debian-image.sh NAME [PACKAGE...]      -> image local/NAME:bookworm
#
# The root file system is cached as CACHE/NAME.tar (CACHE: $OCLUSTER_DEPLOY_CACHE, default
# ./.deploy-cache, which .gitignore lists), keyed by the package list: a second run with the same
# packages only imports it. Docker commands go to $DOCKER_HOST. Needs root and debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:?usage: debian-image.sh NAME [PACKAGE...]}
shift
cache=${OCLUSTER_DEPLOY_CACHE:-$PWD/.deploy-cache}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
docker=${DOCKER:-docker}
image="local/$name:bookworm"
packages=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
key=$(printf 'bookworm minbase %s' "$packages" | sha256sum | cut -c1-16)
tarball="$cache/$name-$key.tar"
mkdir -p "$cache"

if [ "$("$docker" image inspect -f '{{ index .Config.Labels "org.swift-ocluster.base-key" }}' "$image" 2>/dev/null)" = "$key" ]; then
    echo "debian-image: $image is current ($packages)"
    exit 0
fi

if [ ! -f "$tarball" ]; then
    root=$(mktemp -d "$cache/.root-$name.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    echo "debian-image: debootstrap bookworm minbase${packages:+ + $packages} (once; cached in $tarball)"
    debootstrap --variant=minbase ${packages:+--include="$packages"} bookworm "$root" "$mirror" \
        >"$cache/$name.debootstrap.log" 2>&1 || {
        tail -n 30 "$cache/$name.debootstrap.log" >&2
        exit 1
    }
    # What an image needs no copy of: downloaded packages and package lists.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    tar -C "$root" --numeric-owner -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$root"
    trap - EXIT
fi

"$docker" import \
    -c 'CMD ["/bin/bash"]' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL org.swift-ocluster.base-key=$key" \
    "$tarball" "$image" >/dev/null
echo "debian-image: imported $image ($packages)"
