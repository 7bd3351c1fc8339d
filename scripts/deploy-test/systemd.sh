#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# deploy-test step "systemd": boots Debian's systemd as PID 1 of a container (the debootstrapped
# ocluster-systemd image, with runc's privileges and no network but lo), installs the binaries and
# deploy/systemd/*.service as the units' comments say, and checks: `systemd-analyze verify`; the
# scheduler and a worker start with `systemctl start`; the worker fetches busybox from a registry
# (its --obuilder-registry-mirror) for its self-test and registers; `ocluster-admin update`
# makes it exit and `Restart=always` brings it back; `systemctl stop` cancels a running build and
# the worker exits cleanly (no leftover build process, sandbox or mount), and so does the scheduler.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

POOL=linux-x86_64
NAME=ocluster-systemd-test
state=$WORK/systemd
mkdir -p "$state"
box() { docker exec "$NAME" "$@"; }
admin() { box ocluster-admin -c /root/admin.cap "$@"; }
registered() { admin show "$POOL" | grep -q "^  $1 ([0-9]*): "; }
unit() { box systemctl show -p "$2" --value "$1"; }

cleanup() {
    local status=$?
    if [ "$status" != 0 ]; then
        echo "     the units' journal:" >&2
        box journalctl -u ocluster-scheduler -u ocluster-worker --no-pager -o short 2>&1 | tail -n 40 | sed 's/^/     /' >&2
    fi
    [ -f "$state/registry.pid" ] && kill "$(cat "$state/registry.pid")" 2>/dev/null || true
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker volume rm "$NAME-worker" >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "boot systemd in a container"
mapfile -t privileges < <(runc_capable_flags run)
# The worker's OBuilder store uses overlayfs, which cannot sit on the container's own overlay root.
docker volume create "$NAME-worker" >/dev/null
docker run -d --name "$NAME" --hostname systemd-host --network none --pull=never \
    "${privileges[@]}" \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -v "$NAME-worker:/var/lib/ocluster-worker" \
    -e container=docker --stop-signal SIGRTMIN+3 \
    local/ocluster-systemd:bookworm /sbin/init >/dev/null
wait_for 60 "systemd to boot" bash -c "docker exec $NAME systemctl is-system-running 2>/dev/null | grep -Eq '^(running|degraded)$'"
say "systemd $(box systemctl --version | head -n1 | cut -d' ' -f2) is PID 1: $(box systemctl is-system-running || true)"

say "install the binaries and the units; systemd-analyze verify"
# (With --binaries debug, BIN also holds the Swift runtime libraries they load from their directory.)
for file in "$BIN"/ocluster-* "$BIN"/*.so*; do
    [ -e "$file" ] && docker cp "$file" "$NAME:/usr/local/bin/"
done
docker cp "$ROOT/deploy/systemd/ocluster-scheduler.service" "$NAME:/etc/systemd/system/"
docker cp "$ROOT/deploy/systemd/ocluster-worker.service" "$NAME:/etc/systemd/system/"
box systemctl daemon-reload
box systemd-analyze verify /etc/systemd/system/ocluster-scheduler.service /etc/systemd/system/ocluster-worker.service \
    >"$state/verify.log" 2>&1 || { cat "$state/verify.log"; fail "systemd-analyze verify"; }
[ ! -s "$state/verify.log" ] || { cat "$state/verify.log"; fail "systemd-analyze verify printed warnings"; }
for u in ocluster-scheduler ocluster-worker; do
    [ "$(unit $u LimitNOFILE)" -ge 65536 ] || fail "$u: LimitNOFILE is $(unit $u LimitNOFILE)"
done

say "systemctl start ocluster-scheduler"
box sh -c "printf '%s\n' OCLUSTER_PUBLIC_ADDRESS=tcp:127.0.0.1:9000 OCLUSTER_POOLS=$POOL >/etc/default/ocluster-scheduler"
box systemctl start ocluster-scheduler
wait_for 60 "the pool's .cap file" box test -f /var/lib/ocluster-scheduler/secrets/pool-$POOL.cap
[ "$(box stat -c %U /var/lib/private/ocluster-scheduler/secrets/key.pem)" != root ] ||
    fail "the scheduler's key belongs to root: DynamicUser did not apply"
box cp /var/lib/ocluster-scheduler/secrets/admin.cap /root/admin.cap
box sh -c 'ocluster-admin -c /root/admin.cap add-client systemd-test >/root/submit.cap'

say "systemctl start ocluster-worker"
box install -d -m 0700 /etc/ocluster
box install -m 0600 /var/lib/ocluster-scheduler/secrets/pool-$POOL.cap /etc/ocluster/pool.cap
# registry.example.org (127.0.0.1 in the container): a docker-registry in the container's network
# namespace holding busybox, which the worker fetches (with the image's skopeo + umoci) for
# (from busybox) and its self-test, as the unit's comment shows.
box_pid=$(docker inspect -f '{{ .State.Pid }}' "$NAME")
start_registry "$box_pid" "$state"
push_busybox "$box_pid" 127.0.0.1:5000/library/busybox:latest "$state"
box sh -c 'echo "127.0.0.1 registry.example.org" >>/etc/hosts'
mirror=registry.example.org:5000
box sh -c "printf '%s\n' OCLUSTER_WORKER_NAME=systemd-worker OCLUSTER_CAPACITY=2 \
    'OCLUSTER_WORKER_ARGS=--obuilder-registry-mirror=$mirror --obuilder-insecure-registry=$mirror -v' \
    >/etc/default/ocluster-worker"
box systemctl start ocluster-worker
wait_for 120 "the worker to register" registered systemd-worker
grep -q "GET /v2/library/busybox/manifests/" "$state/registry.log" ||
    fail "the worker's self-test did not fetch busybox from the registry"
say "the worker's self-test fetched busybox from the registry (--obuilder-registry-mirror)"

say "ocluster-admin update: the worker exits and Restart=always starts it again"
first_pid=$(unit ocluster-worker MainPID)
admin update "$POOL" systemd-worker >"$state/update.log" 2>&1 || { cat "$state/update.log"; fail "update failed"; }
[ "$(unit ocluster-worker NRestarts)" = 1 ] || fail "NRestarts is $(unit ocluster-worker NRestarts), not 1"
[ "$(unit ocluster-worker MainPID)" != "$first_pid" ] || fail "the worker process was not replaced"
registered systemd-worker || fail "the restarted worker is not registered"
box journalctl -u ocluster-worker --no-pager -o cat | grep -q "Self-update requested" ||
    fail "the worker's journal does not show the self-update"

say "systemctl stop ocluster-worker while a build runs"
box sh -c 'printf "%s\n" "((from busybox) (shell /bin/sh -c) (run (shell \"echo build-started; sleep 600\")))" >/root/long.spec'
docker exec -d "$NAME" sh -c 'ocluster-client submit-obuilder -c /root/submit.cap --pool linux-x86_64 \
    --local-file /root/long.spec >/root/long.log 2>&1; echo $? >/root/long.status'
wait_for 120 "the build to start" box grep -q build-started /root/long.log
started=$SECONDS
box systemctl stop ocluster-worker
took=$((SECONDS - started))
say "stopped in ${took}s: Result=$(unit ocluster-worker Result), exit status $(unit ocluster-worker ExecMainStatus)"
[ "$(unit ocluster-worker Result)" = success ] || fail "the worker's stop was not clean"
[ "$(unit ocluster-worker ExecMainStatus)" = 0 ] || fail "the worker exited with status $(unit ocluster-worker ExecMainStatus)"
[ "$took" -lt 60 ] || fail "stopping took ${took}s"
# The scheduler queues the job again (--max-attempts, default 3) and the client says so; with no
# worker left it would wait, so the client is stopped then, which cancels the job.
wait_for 30 "the client to see the job requeued" box grep -q "job requeued, attempt 2 of 3" /root/long.log
box sh -c 'for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = ocluster-client ] && kill -INT "${d#/proc/}"; done; true'
wait_for 30 "the client to finish" box test -f /root/long.status
[ "$(box cat /root/long.status)" != 0 ] || fail "the cancelled build reported success"
processes=$(box sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\000" " " <"$f"; echo; done')
[ -n "$processes" ] || fail "no process list"
! grep -q "^sleep 600 $" <<<"$processes" || fail "the build's process survived the stop"
! box grep -q ' /var/lib/ocluster-worker/' /proc/mounts || fail "a sandbox mount survived the stop"
say "the client saw: $(box grep "job requeued" /root/long.log)"

say "systemctl stop ocluster-scheduler"
box systemctl stop ocluster-scheduler
[ "$(unit ocluster-scheduler Result)" = success ] || fail "the scheduler's stop was not clean"
say "ok"
