#!/usr/bin/env bash
# Builds the example package (Examples/, which depends on this package by path) and runs its
# submit-and-follow program against the quick start's cluster: starts scripts/local-cluster.sh,
# submits the sample OBuilder job through the OClusterClient library, prints its log and its
# result, then stops the cluster. Fails unless the log and a result arrive.
#
#   bash scripts/example.sh
#
# OCLUSTER_PORT and SWIFT_BUILD_FLAGS are passed on to scripts/local-cluster.sh. The example shares
# the main package's scratch path (.build), so the library is built once.
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a flags <<<"${SWIFT_BUILD_FLAGS:-}"

echo "== building the example package"
swift build --package-path Examples --scratch-path .build ${flags[@]+"${flags[@]}"} --product submit-and-follow
example="$(swift build --package-path Examples --scratch-path .build ${flags[@]+"${flags[@]}"} --show-bin-path)/submit-and-follow"

log=$(mktemp)
cluster=""
cleanup() {
    # The quick start's own trap stops its scheduler and worker.
    if [ -n "$cluster" ]; then kill -TERM "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; fi
    rm -f "$log"
}
trap cleanup EXIT INT TERM

echo "== starting the quick start's cluster (scripts/local-cluster.sh)"
bash scripts/local-cluster.sh >"$log" 2>&1 &
cluster=$!
for _ in $(seq 1 1800); do
    grep -q "The cluster is running" "$log" && break
    kill -0 "$cluster" 2>/dev/null || break
    sleep 0.5
done
grep -q "The cluster is running" "$log" || { cat "$log"; echo "the quick start's cluster did not start" >&2; exit 1; }

echo "== $example local-cluster/secrets/submit-quickstart.cap local local-cluster/sample.spec"
out=$(mktemp)
status=0
"$example" local-cluster/secrets/submit-quickstart.cap local local-cluster/sample.spec | tee "$out" || status=$?
grep -q "Hello from an OBuilder job" "$out" || { rm -f "$out"; echo "the example printed no job log" >&2; exit 1; }
grep -q "^Result: " "$out" || { rm -f "$out"; echo "the example printed no result" >&2; exit 1; }
rm -f "$out"
exit "$status"
