#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Proves the deployment on this machine, as root, from a fresh clone: builds the binaries with a
# static Swift standard library, then runs the steps (each a script in scripts/deploy-test/):
#
#   images      Debian bases by debootstrap + docker import, the scheduler and worker images
#   containers  a containerised cluster: OBuilder and Docker jobs, a rolling update via swarm
#   systemd     the units under a real systemd: start, register, update, stop during a build
#   multi-host  docs/multi-machine.md on network-namespace "machines", with a link cut and restored
#   kubernetes  deploy/kubernetes rendered and validated against the Kubernetes schemas
#
#   scripts/deploy-test.sh [--steps images,containers,...] [--binaries release|debug]
#
# --binaries release (the default) builds what the images' build stage builds: `swift build -c
# release --static-swift-stdlib`, in .build-deploy (a first build takes half an hour on two
# cores). --binaries debug reuses the debug build (`swift build`, as CI has it) and puts the Swift
# runtime libraries the binaries load next to them (their RUNPATH has $ORIGIN), so that they run
# in the images and the systemd container too.
#
# Prints each step's outcome and time. Everything it starts (a private dockerd in a network
# namespace of its own, a registry, containers, namespaces) is stopped when it ends; the debootstrap
# results and the PyPI validator are cached in .deploy-cache (OCLUSTER_DEPLOY_CACHE).
# SWIFT_BUILD_FLAGS: extra `swift build` flags (e.g. CI's, so its build is reused).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
steps=images,containers,systemd,multi-host,kubernetes
binaries=release
while [ $# -gt 0 ]; do
    case "$1" in
    --steps) steps=$2; shift 2 ;;
    --steps=*) steps=${1#--steps=}; shift ;;
    --binaries) binaries=$2; shift 2 ;;
    --binaries=*) binaries=${1#--binaries=}; shift ;;
    *)
        echo "usage: $0 [--steps images,containers,systemd,multi-host,kubernetes] [--binaries release|debug]" >&2
        exit 2
        ;;
    esac
done
case "$binaries" in release | debug) ;; *) echo "--binaries: release or debug" >&2; exit 2 ;; esac
# containers and systemd run the images that step images makes.
case ",$steps," in *,containers,* | *,systemd,*) case ",$steps," in *,images,*) ;; *) steps=images,$steps ;; esac ;; esac
[ "$(id -u)" = 0 ] || { echo "deploy-test.sh: run as root" >&2; exit 1; }
started=$SECONDS
summary=()
# timed NAME COMMAND...: runs COMMAND (a function runs in a subshell, where set -e holds) and
# records its outcome and time; stops at the first failure.
timed() {
    local name=$1 t0=$SECONDS status=0
    shift
    echo "== deploy-test: $name"
    ("$@") &
    wait $! || status=$?
    if [ "$status" = 0 ]; then
        summary+=("$(printf '%-12s ok     %4ds' "$name" $((SECONDS - t0)))")
    else
        summary+=("$(printf '%-12s FAILED %4ds' "$name" $((SECONDS - t0)))")
        printf '%s\n' "${summary[@]}"
        echo "== deploy-test: FAILED in step $name" >&2
        exit 1
    fi
}

install_packages() {
    bash scripts/install-deps.sh
    # Beyond the project's own: debootstrap for the base images, iproute2 (ip) for the namespaces,
    # util-linux (nsenter, unshare, setsid), procps (sysctl), curl, python3-venv for the validator,
    # libcurl4-openssl-dev: a static Swift Foundation links libcurl (FoundationNetworking).
    local need=() package attempt
    for package in debootstrap iproute2 util-linux procps curl docker-registry libcurl4-openssl-dev; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
    done
    python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
    [ ${#need[@]} -eq 0 ] && return 0
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        # The apt lock may be held by another install for a while.
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; then return 0; fi
        echo "apt-get failed (attempt $attempt), retrying in 15 s" >&2
        sleep 15
    done
    return 1
}

build() {
    read -r -a flags <<<"${SWIFT_BUILD_FLAGS:-}"
    local product bin file
    rm -rf deploy/prebuilt/bin deploy/prebuilt/scheduler/* deploy/prebuilt/worker/*
    mkdir -p deploy/prebuilt/bin
    if [ "$binaries" = release ]; then
        flags+=(-c release --static-swift-stdlib --scratch-path .build-deploy)
    fi
    for product in ocluster-scheduler ocluster-worker ocluster-client ocluster-admin; do
        swift build ${flags[@]+"${flags[@]}"} --product "$product"
    done
    bin=$(swift build ${flags[@]+"${flags[@]}"} --show-bin-path)
    for product in ocluster-scheduler ocluster-worker ocluster-client ocluster-admin; do
        # Stripped: the images need no debug information.
        install -m 0755 -s "$bin/$product" "$BIN/$product"
    done
    if [ "$binaries" = release ]; then
        ! ldd "$BIN"/ocluster-* | grep -q libswiftCore || {
            echo "the release binaries link the Swift runtime dynamically" >&2
            return 1
        }
    else
        # The Swift runtime libraries (from the toolchain) that the binaries load.
        ldd "$BIN"/ocluster-* | awk '$3 ~ /\/usr\/lib\/swift\// { print $3 }' | sort -u |
            xargs -r -I{} install -m 0644 {} "$BIN/"
    fi
    # What each image's `prebuilt` stage copies (hard links: no second copy on disk).
    for file in "$BIN"/ocluster-scheduler "$BIN"/ocluster-admin "$BIN"/*.so*; do
        if [ -e "$file" ]; then ln "$file" deploy/prebuilt/scheduler/; fi
    done
    for file in "$BIN"/ocluster-worker "$BIN"/*.so*; do
        if [ -e "$file" ]; then ln "$file" deploy/prebuilt/worker/; fi
    done
    du -sh "$BIN"/ocluster-* | awk '{ printf "   %s %s\n", $2, $1 }'
}

WORK=$(mktemp -d /tmp/ocluster-deploy-test.XXXXXX)
BIN=$ROOT/deploy/prebuilt/bin
ENGINE_PID=
export ROOT WORK BIN ENGINE_PID

start_engine() {
    # The engine runs in a network namespace of its own (swarm mode changes networking) with
    # overlay2. Its default seccomp profile allows every system call: swarm services cannot be
    # privileged, and runc inside the worker containers needs keyctl and more.
    echo '{ "defaultAction": "SCMP_ACT_ALLOW" }' >"$WORK/seccomp-allow.json"
    export DOCKER_HOST="unix://$WORK/engine/docker.sock"
    OCLUSTER_DOCKERD_NETNS=1 OCLUSTER_DOCKERD_STORAGE=overlay2 \
        OCLUSTER_DOCKERD_ARGS="--seccomp-profile=$WORK/seccomp-allow.json" \
        bash scripts/start-dockerd.sh "$WORK/engine" >/dev/null
    ENGINE_PID=$(cat "$WORK/engine/dockerd.pid")
    export ENGINE_PID
    echo "   dockerd $(docker version -f '{{ .Server.Version }}') (pid $ENGINE_PID), DOCKER_HOST=$DOCKER_HOST"
}

stop_engine() {
    [ -n "$ENGINE_PID" ] || return 0
    kill "$ENGINE_PID" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ENGINE_PID" 2>/dev/null || true
    # What dockerd may leave mounted under its directories (deepest first).
    { grep -o " $WORK/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r mount; do umount -l "$mount" || true; done
    ENGINE_PID=
}

cleanup() {
    stop_engine
    # The engine's helpers may still write there for a moment after it exits: try again.
    local attempt
    for attempt in 1 2 3 4 5; do
        rm -rf "$WORK" 2>/dev/null || true
        [ -e "$WORK" ] || break
        sleep 2
    done
}
trap cleanup EXIT

timed install install_packages
timed build build
case ",$steps," in
*,images,* | *,containers,* | *,systemd,*)
    # In this shell: the steps need DOCKER_HOST and ENGINE_PID.
    echo "== deploy-test: engine"
    t0=$SECONDS
    start_engine
    summary+=("$(printf '%-12s ok     %4ds' engine $((SECONDS - t0)))")
    ;;
esac
for step in images containers systemd multi-host kubernetes; do
    case ",$steps," in *,"$step",*) timed "$step" bash "scripts/deploy-test/$step.sh" ;; esac
done
echo "== deploy-test: all steps passed"
printf '%s\n' "${summary[@]}"
printf '%-12s        %4ds\n' total $((SECONDS - started))
