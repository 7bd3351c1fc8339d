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
# must fail at once). Ports: HARDEN_PORT (default 22400) and the next one.
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
    for pid in "${pids[@]}" $(cat "$work/pids" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
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
# case fails (and so, at the end, the script) unless its output matches the regex EXPECTED.
failures=0
case_() {
    local expected=$1 name=$2
    shift 2
    echo "== $name"
    echo "   before: $(stats "$scheduler")"
    "$@" 2>&1 | tee "$work/case.out" | sed 's/^/   /'
    echo "   after:  $(stats "$scheduler")"
    if ! grep -Eq "$expected" "$work/case.out"; then
        echo "   FAILED: expected /$expected/"
        failures=$((failures + 1))
    fi
}

start_scheduler "$work/s1" "$port" --capnp-frame-timeout 5 --capnp-bootstrap-timeout 10
case_ "^16 of 16 closed" "16 connections each start a 64 MiB frame and go quiet" hostile "$port" slow-frame 16
case_ "^closed after 0\.[0-9] s" "a frame header declaring 2^31 words" hostile "$port" huge-header
case_ 'reason: Failure\("Key 42 is no longer allocated!"\)' "200000 calls to an import never given out" \
    hostile "$port" unknown-import 200000
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
