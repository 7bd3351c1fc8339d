#!/usr/bin/env bash
# The quick start: builds everything, starts a local cluster (a scheduler with one pool and one
# worker, TLS on 127.0.0.1) and runs a sample OBuilder job through ocluster-client, streaming its
# log. The capability files are written to ./local-cluster/secrets.
#
#   bash scripts/local-cluster.sh           leave the cluster running afterwards (Ctrl-C stops it)
#   bash scripts/local-cluster.sh --once    stop the cluster after the sample job (used by CI)
#
# Needs root (the OBuilder sandbox uses runc) and Debian's packages from scripts/install-deps.sh,
# which it installs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true

bash scripts/install-deps.sh
echo "== building (first build takes several minutes)"
# SWIFT_BUILD_FLAGS: extra `swift build` flags, e.g. CI's, so an earlier build is reused.
read -r -a flags <<<"${SWIFT_BUILD_FLAGS:-}"
for product in ocluster-scheduler ocluster-worker ocluster-client ocluster-admin; do
    swift build ${flags[@]+"${flags[@]}"} --product "$product"
done
bin=$(swift build ${flags[@]+"${flags[@]}"} --show-bin-path)

dir="$PWD/local-cluster"
mkdir -p "$dir/secrets"
chmod 700 "$dir/secrets"
bash scripts/make-base-image.sh "$dir/images" busybox >/dev/null
port=${OCLUSTER_PORT:-9000}

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# The scheduler writes admin.cap and pool-*.cap afresh on every start; removing the old ones first
# lets the wait below see the new ones (with this run's address).
rm -f "$dir/secrets/admin.cap" "$dir/secrets"/pool-*.cap

echo "== starting the scheduler on tcp:127.0.0.1:$port (log: $dir/scheduler.log)"
"$bin/ocluster-scheduler" \
    --capnp-secret-key-file "$dir/secrets/key.pem" \
    --capnp-listen-address "tcp:127.0.0.1:$port" \
    --secrets-dir "$dir/secrets" \
    --state-dir "$dir/state" \
    --pools local \
    --default-clients quickstart \
    -v >"$dir/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
    [ -f "$dir/secrets/pool-local.cap" ] && [ -f "$dir/secrets/submit-quickstart.cap" ] && break
    sleep 0.2
done
[ -f "$dir/secrets/pool-local.cap" ] || { cat "$dir/scheduler.log"; echo "the scheduler did not start" >&2; exit 1; }

# A client capability from an earlier run on another port names the old address, and the scheduler
# cannot write it out again (it keeps only a hash of its secret): re-issue it through the admin cap.
if ! grep -q "@127.0.0.1:$port/" "$dir/secrets/submit-quickstart.cap"; then
    echo "== submit-quickstart.cap names another address: re-issuing it for tcp:127.0.0.1:$port"
    for _ in $(seq 1 100); do [ -f "$dir/secrets/admin.cap" ] && break; sleep 0.2; done
    "$bin/ocluster-admin" -c "$dir/secrets/admin.cap" reissue-client quickstart >"$dir/secrets/submit-quickstart.cap.new"
    chmod 600 "$dir/secrets/submit-quickstart.cap.new"
    mv "$dir/secrets/submit-quickstart.cap.new" "$dir/secrets/submit-quickstart.cap"
fi

echo "== starting worker-1 (log: $dir/worker-1.log)"
"$bin/ocluster-worker" \
    --connect "$dir/secrets/pool-local.cap" \
    --name worker-1 \
    --capacity 2 \
    --state-dir "$dir/worker-1" \
    --obuilder-store "overlayfs:$dir/obuilder" \
    --obuilder-base-images "$dir/images" \
    --self-update restart \
    -v >"$dir/worker-1.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
    "$bin/ocluster-admin" -c "$dir/secrets/admin.cap" show local worker-1 2>/dev/null | grep -q Running && break
    sleep 0.2
done

cat >"$dir/sample.spec" <<'SPEC'
((from busybox)
 (shell /bin/sh -c)
 (workdir /src)
 (run (shell "echo 'Hello from an OBuilder job on a Swift OCluster!' > greeting.txt"))
 (run (shell "cat greeting.txt && uname -a")))
SPEC

echo "== submitting the sample job: ocluster-client submit-obuilder -c $dir/secrets/submit-quickstart.cap --pool local --local-file $dir/sample.spec"
"$bin/ocluster-client" submit-obuilder \
    -c "$dir/secrets/submit-quickstart.cap" --pool local --local-file "$dir/sample.spec" --cache-hint quickstart
echo "== pool state"
"$bin/ocluster-admin" -c "$dir/secrets/admin.cap" show local

if $once; then exit 0; fi
cat <<EOT

The cluster is running. In another terminal:
  $bin/ocluster-client submit-obuilder -c $dir/secrets/submit-quickstart.cap --pool local --local-file $dir/sample.spec
  $bin/ocluster-admin -c $dir/secrets/admin.cap show local
Press Ctrl-C to stop it.
EOT
wait
