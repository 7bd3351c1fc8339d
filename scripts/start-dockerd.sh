#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Makes sure a Docker engine for the worker's tests is running, and that it has the offline
# base image `local/busybox:latest`. Prints `DOCKER_HOST=unix://…` for that engine.
#
# If DOCKER_HOST already answers, it is used as is. Otherwise a private dockerd is started
# (root only) with the vfs storage driver, no iptables and no bridge, its data, exec root,
# pid file, log and socket all under DIR (default /tmp/ocluster-dockerd). It keeps running
# after this script exits, so later test runs reuse it; stop it with
#   kill "$(cat DIR/dockerd.pid)"
#
# With OCLUSTER_DOCKERD_NETNS=1 the new dockerd runs in a network namespace of its own (only `lo`),
# so that what it does to networking (swarm mode's docker_gwbridge, for one) stays off the host.
# OCLUSTER_DOCKERD_STORAGE picks the storage driver (default vfs, which works on any file system;
# overlay2 is much faster to build and start large images). OCLUSTER_DOCKERD_ARGS: more dockerd
# flags, split at spaces.
#
# Needs: docker.io (dockerd + docker CLI), busybox-static (a static /bin/busybox), util-linux (flock,
# unshare).
#
# Usage: scripts/start-dockerd.sh [DIR]
set -eu

DIR=${1:-${OCLUSTER_DOCKERD_DIR:-/tmp/ocluster-dockerd}}
DOCKER=${DOCKER:-docker}
mkdir -p "$DIR"
if [ -z "${DOCKER_HOST:-}" ]; then
    DOCKER_HOST="unix://$DIR/docker.sock"
fi
export DOCKER_HOST

# One starter at a time (tests may run this concurrently).
exec 9>"$DIR/lock"
flock 9

if ! "$DOCKER" version >/dev/null 2>&1; then
    case "$DOCKER_HOST" in
    "unix://$DIR/docker.sock") ;;
    *)
        echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST does not answer" >&2
        exit 1
        ;;
    esac
    if ! command -v dockerd >/dev/null 2>&1; then
        echo "start-dockerd: dockerd not found (apt-get install docker.io)" >&2
        exit 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "start-dockerd: dockerd must be started as root" >&2
        exit 1
    fi
    rm -f "$DIR/docker.sock"
    set -- dockerd --storage-driver="${OCLUSTER_DOCKERD_STORAGE:-vfs}" --iptables=false --bridge=none \
        --data-root="$DIR/data" --exec-root="$DIR/exec" --pidfile="$DIR/dockerd.pid" -H "$DOCKER_HOST"
    # shellcheck disable=SC2086 # deliberately split
    set -- "$@" ${OCLUSTER_DOCKERD_ARGS:-}
    if [ "${OCLUSTER_DOCKERD_NETNS:-0}" = 1 ]; then
        set -- unshare --net --fork sh -c '/bin/busybox ip link set lo up && exec "$@"' sh "$@"
    fi
    # The daemon keeps only stdin/stdout/stderr: a descriptor it inherited (the lock, or the pipe or
    # socket by which the caller learns that this script exited, as Foundation's Process uses) would
    # stay open for the daemon's whole life, and the caller would wait for ever.
    set -- bash -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec "$@"' \
        close-fds "$@"
    nohup "$@" >"$DIR/dockerd.log" 2>&1 </dev/null 9>&- &
    tries=0
    until "$DOCKER" version >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 120 ]; then
            echo "start-dockerd: dockerd did not come up; its log says:" >&2
            tail -n 30 "$DIR/dockerd.log" >&2
            exit 1
        fi
        sleep 0.25
    done
fi

if ! "$DOCKER" image inspect local/busybox:latest >/dev/null 2>&1; then
    BUSYBOX=${BUSYBOX:-/bin/busybox}
    if ! [ -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
        echo "start-dockerd: $BUSYBOX is missing or not static (apt-get install busybox-static)" >&2
        exit 1
    fi
    ROOT=$(mktemp -d)
    trap 'rm -rf "$ROOT"' EXIT
    mkdir -p "$ROOT/bin" "$ROOT/tmp" "$ROOT/etc" "$ROOT/root" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev"
    cp "$BUSYBOX" "$ROOT/bin/busybox"
    for applet in $("$ROOT/bin/busybox" --list); do
        # The list includes busybox itself; linking over it would replace the binary.
        [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
    echo 'root:x:0:' >"$ROOT/etc/group"
    chmod 1777 "$ROOT/tmp"
    tar -C "$ROOT" -cf "$ROOT.tar" .
    "$DOCKER" import -c 'CMD ["/bin/sh"]' \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        "$ROOT.tar" local/busybox:latest >/dev/null
    rm -f "$ROOT.tar"
fi

echo "DOCKER_HOST=$DOCKER_HOST"
