#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# deploy-test step "images": Debian bases made with debootstrap + docker import (cached in
# .deploy-cache), then the scheduler and worker images from the Dockerfiles' `prebuilt` target
# with the host-built binaries, and the systemd image the "systemd" step boots.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

say "Debian bases (debootstrap once, then cached): scheduler, worker, systemd"
pids=()
bash "$ROOT/scripts/debian-image.sh" ocluster-scheduler-base ca-certificates libsqlite3-0 &
pids+=($!)
# skopeo + umoci fetch `(from IMAGE)` images. skopeo's golang-github-containers-common depends on the
# virtual package container-network-stack, which debootstrap does not resolve (the package then
# fails to configure): netavark, the smaller of its two providers, is named.
bash "$ROOT/scripts/debian-image.sh" ocluster-worker-base ca-certificates libcurl4 git docker.io runc skopeo umoci netavark &
pids+=($!)
# A machine that runs the units: systemd, and what the scheduler and worker need.
bash "$ROOT/scripts/debian-image.sh" ocluster-systemd systemd systemd-sysv dbus ca-certificates libsqlite3-0 libcurl4 git runc \
    skopeo umoci netavark &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || fail "a Debian base image could not be made"; done

say "ocluster-scheduler:deploy-test and ocluster-worker:deploy-test (target prebuilt)"
build_image Dockerfile.scheduler ocluster-scheduler:deploy-test >/dev/null
build_image Dockerfile.worker ocluster-worker:deploy-test >/dev/null
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(ocluster|local/)' | sed 's/^/     /'

say "the images' users, entry points and healthchecks"
[ "$(docker image inspect -f '{{ .Config.User }}' ocluster-scheduler:deploy-test)" = ocluster ] ||
    fail "the scheduler image does not run as ocluster"
for image in ocluster-scheduler ocluster-worker; do
    docker image inspect -f '{{ json .Config.Healthcheck.Test }}' "$image:deploy-test" | grep -q healthcheck ||
        fail "$image has no HEALTHCHECK"
    docker run --rm --pull=never --network=none "$image:deploy-test" --help >/dev/null ||
        fail "$image:deploy-test --help fails"
done
say "ok"
