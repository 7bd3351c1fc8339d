#!/usr/bin/env bash
# Installs the Debian packages the project needs (as root), skipping those already there.
#   capnproto, libcapnp-dev  the capnp tool and C++ library: conformance and interop oracles
#   g++, pkg-config          the C++ benchmark and interop peer
#   libssl-dev               the interop peer's TLS (Tests/Interop/pinned-tls.h)
#   python3                  fixture generators
#   python3-yaml             checks that deploy/monitoring/prometheus.yml parses
#   openssl                  key and digest vectors in the network tests
#   sqlite3                  the killed-writer test of the scheduler's store
#   git                      job sources
#   runc, bubblewrap, busybox-static   the OBuilder sandbox and its base image
#   docker.io                real Docker builds (the tests start their own dockerd)
#   docker-registry          a local registry for the docker login/push and base-image fetch tests
#   chromium                 the scheduler's status page, tested in a real headless browser
#   rsync, btrfs-progs, xfsprogs   the OBuilder rsync, btrfs and xfs stores (tests make loop-mounted file systems)
#   e2fsprogs, util-linux          the scheduler's full and frozen state disk tests (mkfs.ext4, fsfreeze)
#   skopeo, umoci            OBuilder's (from IMAGE) without a Docker engine: download and unpack
set -euo pipefail
packages=(python3-yaml capnproto libcapnp-dev libssl-dev g++ pkg-config python3 openssl sqlite3 git runc bubblewrap busybox-static docker.io docker-registry chromium rsync btrfs-progs xfsprogs e2fsprogs util-linux skopeo umoci)
need=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: missing packages ${need[*]}; run as root (or install them with apt-get)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    # The apt lock may be held by another install for a while.
    if apt-get update -qq && apt-get install -y -qq "${need[@]}"; then exit 0; fi
    echo "apt-get failed (attempt $attempt), retrying in 15 s" >&2
    sleep 15
done
echo "install-deps.sh: could not install ${need[*]}" >&2
exit 1
