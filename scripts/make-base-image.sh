#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Makes an OBuilder base image from the host's busybox-static, for `(from NAME)` with the worker's
# local base-image store:
#
#   scripts/make-base-image.sh STORE_DIR [NAME]      (NAME defaults to "busybox")
#
# Result: STORE_DIR/NAME/rootfs (a busybox root file system: /bin with one symlink per applet,
# /etc/passwd and /etc/group with root and nobody, /tmp 1777), STORE_DIR/NAME/env (the image's
# environment) and STORE_DIR/NAME/id (a content id: builds are re-run when it changes).
# The image is built in a temporary directory and renamed into place, so a reader never sees a
# half-made image. Needs: busybox-static (apt-get install -y busybox-static).
set -euo pipefail

store=${1:?usage: make-base-image.sh STORE_DIR [NAME]}
name=${2:-busybox}
busybox=${BUSYBOX:-/bin/busybox}

if ! "$busybox" --list >/dev/null 2>&1; then
  echo "make-base-image.sh: $busybox is not a working busybox (apt-get install -y busybox-static)" >&2
  exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
  echo "make-base-image.sh: $busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$store/$(dirname "$name")"
work=$(mktemp -d "$store/.make-base-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,home,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
# `busybox --list` includes busybox itself: linking over it would replace the binary.
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" > "$work/env"
{
  echo "busybox-$(sha256sum "$busybox" | cut -d' ' -f1)-v1"
} > "$work/id"

rm -rf "$store/$name.old"
if [ -e "$store/$name" ]; then mv "$store/$name" "$store/$name.old"; fi
mv "$work" "$store/$name"
rm -rf "$store/$name.old"
trap - EXIT
echo "made base image $store/$name ($(cat "$store/$name/id"))"
