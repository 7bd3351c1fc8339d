#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Pushes a busybox image (the host's busybox-static, as scripts/make-base-image.sh makes it) to
# a registry, for OBuilder's `(from IMAGE)` and the worker's start-up self-test `(from busybox)`
# where Docker Hub is out of reach:
#
#   scripts/push-base-image.sh REGISTRY/NAME:TAG      e.g. 127.0.0.1:5000/library/busybox:latest
#
# Prints the pushed manifest's digest (sha256:…) on its last line. Registries on 127.0.0.0/8 or
# localhost are reached over plain HTTP; set INSECURE=1 for another HTTP registry, and
# REGISTRY_AUTH_FILE for credentials. Needs: busybox-static, umoci, skopeo.
set -euo pipefail

target=${1:?usage: push-base-image.sh REGISTRY/NAME:TAG}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/push-base-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

bash "$here/make-base-image.sh" "$work/base" busybox >/dev/null
umoci init --layout "$work/oci"
umoci new --image "$work/oci:image"
umoci insert --image "$work/oci:image" "$work/base/busybox/rootfs" /
umoci config --image "$work/oci:image" --config.env "$(cat "$work/base/busybox/env")" --config.cmd sh
tls=()
case "$target" in
  127.*|localhost/*|localhost:*) tls=(--dest-tls-verify=false) ;;
esac
if [ "${INSECURE:-}" = 1 ]; then tls=(--dest-tls-verify=false); fi
skopeo copy "${tls[@]}" --digestfile "$work/digest" "oci:$work/oci:image" "docker://$target" >&2
cat "$work/digest"
echo
