#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# deploy-test step "multi-host": the commands of docs/multi-machine.md, each on its "machine": a
# network namespace of its own on a bridge (private test addresses 10.77.0.0/24, all inside
# namespaces this script makes), with its own host name, /etc overlay and /var/lib. A link is cut
# and restored; the worker reconnects and the next job runs on it. Section 7 of the doc describes
# this script; every command the doc shows must appear here (checked first).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DOC=$ROOT/docs/multi-machine.md
SELF=$ROOT/scripts/deploy-test/multi-host.sh
hosts_dir=$WORK/hosts
declare -A address=([scheduler]=10.77.0.1 [worker-1]=10.77.0.11 [worker-2]=10.77.0.12 [client]=10.77.0.21)
pids=()
declare -A worker_session=()

say "every command in docs/multi-machine.md is run here"
missing=0
while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in "" | "#"*) continue ;; esac
    grep -qF -- "$line" "$SELF" || {
        echo "     not run by the test: $line" >&2
        missing=1
    }
done < <(awk '/^```sh$/ { inside = 1; next } /^```/ { inside = 0 } inside' "$DOC")
[ "$missing" = 0 ] || fail "docs/multi-machine.md shows commands that this test does not run"

# on HOST 'COMMAND': runs COMMAND with sh on HOST: in its network namespace, with its host name,
# its /etc (an overlay of the real one) and its /var/lib (private mounts of this call), in its home
# directory, with the binaries under test and scripts/ on PATH. Not `ip netns exec`: it mounts a
# new /sys, which hides the cgroup hierarchies runc needs.
on() {
    local host=$1
    shift
    nsenter --net="/run/netns/oclt-$host" unshare --mount --uts sh -c '
        hostname "$1" &&
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$2/etc,workdir=$2/etc.work" /etc &&
        mount --bind "$2/var-lib" /var/lib &&
        cd "$2/home" && PATH="$3:$PATH" && exec sh -c "$4"' sh "$host" "$hosts_dir/$host" "$BIN:$ROOT/scripts" "$*"
}
# on_background HOST LOG 'COMMAND': `on` in a session of its own (so cleanup can stop it whole).
on_background() {
    local host=$1 log=$2
    shift 2
    setsid bash -c "$(declare -f on); hosts_dir='$hosts_dir' BIN='$BIN' ROOT='$ROOT' on \"\$@\"" on "$host" "$@" \
        >"$log" 2>&1 </dev/null &
    pids+=($!)
}
admin() { on client "ocluster-admin -c admin.cap $*"; }
registered() { admin show linux-x86_64 | grep -q "^  $1 ([0-9]*): "; }
disconnected() { admin show linux-x86_64 | sed -n '/^disconnected:/,$p' | grep -q "^  $1\( \|$\)"; }
# The host HOST has no established TCP connection to the scheduler.
no_connection() { [ -z "$(ip netns exec "oclt-$1" ss -Htn state established dst "${address[scheduler]}")" ]; }
# The process id of HOST's worker.
worker_pid() { pgrep -f -- "ocluster-worker --connect=/etc/ocluster/pool.cap --name=$1 "; }

cleanup() {
    local status=$?
    # A failed step leaves the daemons' own account behind in CI's log (the work directory goes).
    if [ "$status" -ne 0 ]; then
        for log in "$hosts_dir"/*/log; do
            [ -f "$log" ] || continue
            echo "--- the last lines of $log" >&2
            tail -n 30 "$log" >&2
        done
    fi
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    for host in "${!address[@]}"; do ip netns delete "oclt-$host" 2>/dev/null || true; done
    ip netns delete oclt-lan 2>/dev/null || true
}
trap cleanup EXIT

say "the network: oclt-lan (bridge) and a namespace per machine"
ip netns add oclt-lan
ip -n oclt-lan link add br0 type bridge
ip -n oclt-lan link set br0 up
for host in scheduler worker-1 worker-2 client; do
    ip netns add "oclt-$host"
    ip -n oclt-lan link add "$host" type veth peer name eth0 netns "oclt-$host"
    ip -n oclt-lan link set "$host" master br0 up
    ip -n "oclt-$host" addr add "${address[$host]}/24" dev eth0
    ip -n "oclt-$host" link set eth0 up
    ip -n "oclt-$host" link set lo up
    mkdir -p "$hosts_dir/$host"/{etc,etc.work,var-lib,home}
    { cat /etc/hosts; echo "${address[scheduler]} scheduler.example.org registry.example.org"; } \
        >"$hosts_dir/$host/etc/hosts"
    on "$host" 'sysctl -w net.ipv4.tcp_keepalive_intvl=2 net.ipv4.tcp_keepalive_probes=3' >/dev/null
done

say "scheduler.example.org: ocluster-scheduler"
on scheduler 'mkdir -p -m 0700 /var/lib/ocluster-scheduler/secrets'
on_background scheduler "$hosts_dir/scheduler/log" 'ocluster-scheduler \
  --capnp-secret-key-file=/var/lib/ocluster-scheduler/secrets/key.pem \
  --capnp-listen-address=tcp:0.0.0.0:9000 \
  --capnp-public-address=tcp:scheduler.example.org:9000 \
  --secrets-dir=/var/lib/ocluster-scheduler/secrets \
  --state-dir=/var/lib/ocluster-scheduler/state \
  --pools=linux-x86_64 \
  --listen-prometheus=9090'
secrets=$hosts_dir/scheduler/var-lib/ocluster-scheduler/secrets
wait_for 60 "the scheduler's .cap files" test -f "$secrets/pool-linux-x86_64.cap"
cp "$secrets/admin.cap" "$hosts_dir/client/home/admin.cap"

say "registry.example.org (the scheduler's machine): docker-registry holding library/busybox"
cat >"$hosts_dir/scheduler/home/registry.yml" <<'YAML'
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: /var/lib/registry-data}}
http: {addr: ":5000", secret: deploy-test}
YAML
on_background scheduler "$hosts_dir/scheduler/registry.log" 'exec docker-registry serve registry.yml'
wait_for 30 "the registry" on scheduler 'busybox wget -q -O /dev/null http://registry.example.org:5000/v2/'
on scheduler 'INSECURE=1 push-base-image.sh registry.example.org:5000/library/busybox:latest' >/dev/null 2>&1 ||
    fail "pushing busybox to the registry failed"

say "worker-1 and worker-2: the pool's .cap, a worker in a restart loop (busybox from the registry)"
for host in worker-1 worker-2; do
    cp "$secrets/pool-linux-x86_64.cap" "$hosts_dir/$host/home/"
    on "$host" 'install -D -m 0600 pool-linux-x86_64.cap /etc/ocluster/pool.cap'
    on_background "$host" "$hosts_dir/$host/log" 'while true; do
  ocluster-worker --connect=/etc/ocluster/pool.cap --name="$(hostname)" --capacity=4 \
    --state-dir=/var/lib/ocluster-worker --obuilder-store=overlayfs:/var/lib/ocluster-worker/obuilder \
    --obuilder-registry-mirror=registry.example.org:5000 --obuilder-insecure-registry=registry.example.org:5000 \
    --self-update=restart
  [ $? -eq 1 ] || break
  sleep 1
done'
    worker_session[$host]=${pids[-1]}
done
for host in worker-1 worker-2; do wait_for 120 "$host to register" registered "$host"; done

say "client: add-client, then a job"
cat >"$hosts_dir/client/home/build.spec" <<'SPEC'
((from busybox)
 (shell /bin/sh -c)
 (run (shell "echo built by OCluster")))
SPEC
submit() {
    on client 'ocluster-client submit-obuilder -c submit-ci-bot.cap --pool linux-x86_64 --local-file build.spec' \
        >"$WORK/job.log" 2>&1 || { cat "$WORK/job.log"; fail "the job failed"; }
    grep -q "built by OCluster" "$WORK/job.log" || { cat "$WORK/job.log"; fail "the job printed nothing"; }
    sed -n 's/.*\(Building on [a-z0-9-]*\).*/\1/p' "$WORK/job.log" | head -n 1
}
on client 'ocluster-admin -c admin.cap add-client ci-bot > submit-ci-bot.cap'
building=$(submit) || exit 1
say "job 1: $building"

say "cut worker-1's cable; both ends notice through keepalive"
ip -n oclt-lan link set worker-1 down
cut=$SECONDS
wait_for 180 "the scheduler to drop worker-1" disconnected worker-1
wait_for 60 "worker-1 to notice" no_connection worker-1
say "noticed after $((SECONDS - cut))s"
building=$(submit) || exit 1
[ "$building" = "Building on worker-2" ] || fail "the job during the cut: $building"
say "job 2 (cable cut): $building"

say "restore the cable; worker-1 registers again"
ip -n oclt-lan link set worker-1 up
restored=$SECONDS
wait_for 180 "worker-1 to register again" registered worker-1
say "registered again $((SECONDS - restored))s after the restore"
on client 'ocluster-admin -c admin.cap pause --wait linux-x86_64 worker-2' >/dev/null
building=$(submit) || exit 1
[ "$building" = "Building on worker-1" ] || fail "the job after the restore: $building"
say "job 3 (worker-2 paused): $building"
on client 'ocluster-admin -c admin.cap unpause linux-x86_64 worker-2' >/dev/null

say "update: both plain-process workers restart through their loops"
old_pids="$(worker_pid worker-1) $(worker_pid worker-2)"
on client 'ocluster-admin -c admin.cap update linux-x86_64' >"$WORK/update.log" 2>&1 ||
    { cat "$WORK/update.log"; fail "update failed"; }
for host in worker-1 worker-2; do
    pid=$(worker_pid "$host") || fail "no worker process on $host after the update"
    case " $old_pids " in *" $pid "*) fail "$host's worker was not restarted by the update" ;; esac
    registered "$host" || fail "$host is not registered after the update"
done
on client 'ocluster-admin -c admin.cap show linux-x86_64' | sed 's/^/     /'

say "metrics through the scheduler"
on client 'curl -sf http://scheduler.example.org:9090/metrics' | grep -q . || fail "no scheduler metrics"
on client 'curl -sf http://scheduler.example.org:9090/pool/linux-x86_64/worker/worker-1/metrics' | grep -q . ||
    fail "no metrics of worker-1"

say "retire worker-2: stop it, forget it"
kill -TERM -- "-${worker_session[worker-2]}"
wait_for 60 "worker-2 to disconnect" disconnected worker-2
on client 'ocluster-admin -c admin.cap forget linux-x86_64 worker-2' >/dev/null
! admin show linux-x86_64 | grep -q worker-2 || fail "worker-2 is still listed after forget"
say "ok"
