#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Replays the failures of issue 19 against the built daemons and prints what happens, with the
# scheduler's resident memory and descriptor count before and after each case:
#
#   scripts/hardening-check.sh            (after `swift build`; OCLUSTER_BIN_DIR overrides .build/debug)
#
# Cases: a TLS peer that starts a 64 MiB frame and goes quiet (16 connections), a frame header
# over the size limit, 200 000 calls to an import never given out, silent connections filling a
# scheduler started with `ulimit -n 300` while an admin still has to get in; and, as root with
# runc, a client killed mid-build (its build must stop) and a worker killed mid-build (its client
# must fail at once). As root with mkfs.ext4 and fsfreeze, the scheduler's state directory on a 32 MiB
# loop-device ext4: filled up (a pause must fail, and still not be there after a restart), then frozen
# with `fsfreeze -f` (`show` over a new connection must still answer; a pause must time out after
# --db-write-timeout 3, and work after `fsfreeze -u`). Ports: HARDEN_PORT (default 22400) and the next two.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${OCLUSTER_BIN_DIR:-$root/.build/debug}
port=${HARDEN_PORT:-22400}
for tool in ocluster-scheduler ocluster-admin ocluster-client ocluster-worker; do
    [[ -x $bin/$tool ]] || { echo "missing $bin/$tool: run swift build first" >&2; exit 1; }
done
work=$(mktemp -d /tmp/hardening-check.XXXXXX)
# Daemons to stop at the end, in a file: the cases run in subshells (pipelines), whose variables are lost.
pids=()
remember() { echo "$1" >>"$work/pids"; }
cleanup() {
    # A frozen file system first: its writers cannot even be killed until it thaws.
    [[ -f $work/frozen ]] && fsfreeze -u "$work/disk" 2>/dev/null
    for pid in "${pids[@]}" $(cat "$work/pids" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -f $work/mounted ]] && umount "$work/disk" 2>/dev/null
    rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=hostile -days 1 \
    -keyout "$work/hostile.key" -out "$work/hostile.crt" 2>/dev/null
hostile() { python3 "$root/scripts/hardening-check.py" "$work/hostile.crt" "$work/hostile.key" 127.0.0.1 "$@"; }

# since START_NS: seconds elapsed, to a tenth.
since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# stats PID: resident memory and open descriptors.
stats() {
    local rss fds
    rss=$(awk '/^VmRSS/ { print $2 " " $3 }' "/proc/$1/status")
    fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l)
    echo "rss $rss, fds $fds"
}

# start_scheduler DIR PORT [ARGS...]: starts a scheduler (in the background) and waits for its files.
start_scheduler() {
    local dir=$1 listen=$2
    shift 2
    mkdir -p "$dir/secrets"
    "$bin/ocluster-scheduler" --capnp-secret-key-file "$dir/secrets/key.pem" \
        --capnp-listen-address "tcp:127.0.0.1:$listen" --secrets-dir "$dir/secrets" --state-dir "$dir/state" \
        --pools local --default-clients tester -v "$@" >"$dir/scheduler.log" 2>&1 &
    scheduler=$!
    remember "$scheduler"
    for _ in $(seq 600); do
        [[ -f $dir/secrets/admin.cap ]] && grep -q "Serving on" "$dir/scheduler.log" && return 0
        sleep 0.1
    done
    echo "the scheduler did not start:" >&2
    cat "$dir/scheduler.log" >&2
    exit 1
}

# case EXPECTED NAME COMMAND...: runs one case, printing the scheduler's figures around it; the
# case fails (and so, at the end, the script) unless its output matches each line of EXPECTED (regexes).
failures=0
case_() {
    local expected=$1 name=$2
    shift 2
    echo "== $name"
    echo "   before: $(stats "$scheduler")"
    "$@" 2>&1 | tee "$work/case.out" | sed 's/^/   /'
    echo "   after:  $(stats "$scheduler")"
    # Every line of EXPECTED must match some line of the output.
    local pattern matched=1
    while IFS= read -r pattern; do grep -Eq "$pattern" "$work/case.out" || matched=0; done <<<"$expected"
    if ((matched == 0)); then
        echo "   FAILED: expected /$expected/"
        failures=$((failures + 1))
    fi
}

# --max-attempts 1: the killed-worker case shows that the scheduler notices the loss at once by the
# client's job failing, as in ocluster; with a retry it would wait for another worker.
start_scheduler "$work/s1" "$port" --capnp-frame-timeout 5 --capnp-bootstrap-timeout 10 --max-attempts 1
case_ "^16 of 16 closed" "16 connections each start a 64 MiB frame and go quiet" hostile "$port" slow-frame 16
case_ "^closed after 0\.[0-9] s" "a frame header declaring 2^31 words" hostile "$port" huge-header
case_ 'reason: Failure\("Key 42 is no longer allocated!"\)' "200000 calls to an import never given out" \
    hostile "$port" unknown-import 200000
case_ 'reason: too many calls outstanding on this connection \(limit 64 without Finish, from a peer holding none' \
    "10000 Bootstraps naming no service, never finished" hostile "$port" unfinished-bootstraps 10000
echo "   dropped connections counted: $(grep -c "Dropping connection\|RPC connection ended" "$work/s1/scheduler.log" || true)"

# Silent connections against a scheduler that may open only 300 files.
(ulimit -n 300 && start_scheduler "$work/s2" $((port + 1)) --capnp-bootstrap-timeout 10 && wait "$scheduler") &
pids+=("$!")
for _ in $(seq 600); do [[ -f $work/s2/secrets/admin.cap ]] && break; sleep 0.1; done
scheduler=$(pgrep -f -- "--secrets-dir $work/s2/secrets" | head -1)
[[ -n $scheduler ]] || { echo "the ulimit -n 300 scheduler did not start" >&2; exit 1; }
# Started in a subshell: killing the subshell would not stop it.
pids+=("$scheduler")
silent_case() {
    coproc SILENT { hostile $((port + 1)) silent 400; }
    local opened
    read -r opened <&"${SILENT[0]}"
    echo "$opened"
    local start=$SECONDS
    if "$bin/ocluster-admin" -c "$work/s2/secrets/admin.cap" show >/dev/null 2>"$work/admin.err"; then
        echo "admin show while they are open: OK after $((SECONDS - start)) s"
    else
        echo "admin show while they are open: FAILED: $(tail -1 "$work/admin.err")"
    fi
    echo "during: $(stats "$scheduler")"
    sleep 12
    exec {SILENT[1]}>&-
    cat <&"${SILENT[0]}"
    wait "${SILENT_PID:-}" 2>/dev/null || true
}
case_ "admin show while they are open: OK" "400 silent TLS connections, scheduler under ulimit -n 300" silent_case

# The state directory on a small file system of its own (a loop device), filled up, then frozen.
disk_ready=1
for tool in mkfs.ext4 fsfreeze mount umount; do command -v "$tool" >/dev/null || disk_ready=0; done
if [[ $(id -u) != 0 || $disk_ready == 0 ]]; then
    echo "== full / frozen state disk: skipped (need root, mkfs.ext4 and fsfreeze)"
else
    disk=$work/disk
    mkdir -p "$disk" "$work/d/secrets"
    truncate -s 32M "$work/disk.img"
    # -m 0: no blocks reserved for root (the scheduler runs as root here and would use them).
    mkfs.ext4 -q -m 0 "$work/disk.img"
    mount -o loop "$work/disk.img" "$disk"
    echo "$disk" >"$work/mounted"
    mkdir "$disk/state"
    ln -s "$disk/state" "$work/d/state"
    scheduler_d() { start_scheduler "$work/d" $((port + 2)) --db-write-timeout 3; }
    scheduler_d
    admin_d() { "$bin/ocluster-admin" -c "$work/d/secrets/admin.cap" "$@"; }
    admin_d unpause --auto-create local w1 >/dev/null 2>&1
    full_disk() {
        dd if=/dev/zero of="$disk/fill" bs=1M 2>/dev/null || true
        sync
        # ext4 keeps a few blocks from delayed-allocation writes such as dd's; fallocate takes them.
        local i free
        for i in 1 2 3 4 5 6 7 8; do
            free=$(stat -f -c %a "$disk")
            ((free == 0)) && break
            fallocate -l $((free * $(stat -f -c %S "$disk"))) "$disk/fill-$i" 2>/dev/null ||
                fallocate -l "$(stat -f -c %S "$disk")" "$disk/fill-$i" 2>/dev/null || break
        done
        echo "free blocks: $(stat -f -c %a "$disk")"
        local status=0
        admin_d pause local w1 >"$work/pause.out" 2>&1 || status=$?
        echo "pause on a full disk: exit $status: $(grep -v '^Connecting' "$work/pause.out" | tail -1)"
        echo "show: $(admin_d show local 2>/dev/null | grep w1)"
        rm -f "$disk"/fill*
    }
    case_ "exit [1-9].*(full|disk).*
show: +w1\$" "the state disk is full: pause" full_disk
    # Restarted here, not in the case's subshell, so that $scheduler follows.
    kill -TERM "$scheduler" && wait "$scheduler" 2>/dev/null || true
    scheduler_d
    restarted() { echo "after a restart: $(admin_d show local 2>/dev/null | grep w1)"; }
    case_ "after a restart: +w1\$" "the state disk had space again: restart" restarted
    frozen_disk() {
        fsfreeze -f "$disk"
        echo frozen >"$work/frozen"
        local start status=0
        start=$(date +%s%N)
        admin_d pause local w1 >"$work/pause.out" 2>&1 &
        local pause=$!
        sleep 0.5
        local show_start
        show_start=$(date +%s%N)
        if admin_d show local >"$work/show.out" 2>/dev/null; then
            echo "show during the freeze (a new TLS connection): OK in $(since "$show_start") s: $(grep w1 "$work/show.out")"
        else
            echo "show during the freeze: FAILED"
        fi
        echo "during: $(stats "$scheduler")"
        wait "$pause" || status=$?
        echo "pause during the freeze: exit $status after $(since "$start") s: $(grep -v '^Connecting' "$work/pause.out" | tail -1)"
        fsfreeze -u "$disk"
        rm -f "$work/frozen"
        status=0
        admin_d pause local w1 >"$work/pause.out" 2>&1 || status=$?
        echo "pause after the thaw: exit $status; $(admin_d show local 2>/dev/null | grep w1)"
    }
    case_ "show during the freeze \(a new TLS connection\): OK.*
pause during the freeze: exit [1-9] after [3-9]\.[0-9] s: .*did not complete within 3s
pause after the thaw: exit 0; +w1 \(paused\)" "the state disk is frozen (fsfreeze -f): show, pause" frozen_disk
    kill -TERM "$scheduler" && wait "$scheduler" 2>/dev/null || true
    umount "$disk" && rm -f "$work/mounted"
fi

if [[ $(id -u) != 0 ]] || ! command -v runc >/dev/null; then
    echo "== killed client / killed worker: skipped (need root and runc)"
    exit $((failures > 0))
fi
scheduler=$(pgrep -f -- "--secrets-dir $work/s1/secrets" | head -1)
bash "$root/scripts/make-base-image.sh" "$work/images" >/dev/null
start_worker() {
    "$bin/ocluster-worker" --connect "$work/s1/secrets/pool-local.cap" --name w1 --capacity 1 \
        --state-dir "$work/worker" --obuilder-store "overlayfs:$work/obuilder" \
        --obuilder-base-images "$work/images" >>"$work/worker.log" 2>&1 &
    worker=$!
    remember "$worker"
    for _ in $(seq 600); do
        "$bin/ocluster-admin" -c "$work/s1/secrets/admin.cap" show local w1 2>/dev/null | grep -q "w1: Running" && return 0
        sleep 0.2
    done
    echo "the worker did not register" >&2
    exit 1
}
# submit NAME MARKER: a build that prints "started" and sleeps MARKER seconds, in the background.
submit() {
    printf '((from busybox) (shell /bin/sh -c) (run (shell "echo started; sleep %s")))' "$2" >"$work/$1.spec"
    "$bin/ocluster-client" submit-obuilder -c "$work/s1/secrets/submit-tester.cap" --pool local \
        --local-file "$work/$1.spec" >"$work/$1.log" 2>&1 &
    client=$!
    remember "$client"
    # The build's `sleep` itself, not just its log line (which can arrive before the shell starts it).
    for _ in $(seq 600); do pgrep -f "sleep $2" >/dev/null && return 0; sleep 0.2; done
    echo "the build did not start" >&2
    exit 1
}
dropped_client() {
    local marker=$((RANDOM + 100000))
    submit dropped "$marker"
    { kill -9 "$client" && wait "$client"; } 2>/dev/null || true
    local start
    start=$(date +%s%N)
    for _ in $(seq 300); do pgrep -f "sleep $marker" >/dev/null || break; sleep 0.2; done
    if pgrep -f "sleep $marker" >/dev/null; then
        echo "the build is still running $(since "$start") s after its client was killed"
    else
        echo "the build stopped $(since "$start") s after its client was killed"
    fi
}
killed_worker() {
    submit orphan $((RANDOM + 100000))
    { kill -9 "$worker" && wait "$worker"; } 2>/dev/null || true
    local start
    start=$(date +%s%N)
    for _ in $(seq 300); do kill -0 "$client" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$client" 2>/dev/null; then
        echo "the client still waits $(since "$start") s after its worker was killed"
    else
        echo "the client gave up $(since "$start") s after its worker was killed: $(tail -1 "$work/orphan.log")"
    fi
    start_worker
}
start_worker
case_ "the build stopped" "a client killed with SIGKILL mid-build" dropped_client
case_ "the client gave up [0-9]\.[0-9] s" "a worker killed with SIGKILL mid-build" killed_worker
echo "$failures case(s) failed"
exit $((failures > 0))
