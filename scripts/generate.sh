#!/usr/bin/env bash
# Regenerates every committed capnpc-swift output from schema/. Run after changing a schema or
# the generator; CI (scripts/check-generated.sh) fails when the committed files are stale.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product capnpc-swift >&2
plugin="$(swift build --show-bin-path)/capnpc-swift"

# schema file -> folder its Swift file goes to
targets=(
    "schema/capnp-schema.capnp Sources/CapnProtoCodeGen/Generated"
    "schema/rpc.capnp Sources/CapnProtoRPC/Generated"
    "schema/ocluster.capnp Sources/OClusterAPI/Generated"
    "schema/test/test.capnp Tests/CapnProtoConformanceTests/Generated"
    "schema/test/rpc-test.capnp Sources/CapnProtoTestSupport/Generated"
)
for entry in "${targets[@]}"; do
    read -r schema outdir <<<"$entry"
    mkdir -p "$outdir"
    capnp compile -I schema -o "$plugin:$outdir" "$schema"
    echo "generated $outdir/$(basename "$schema").swift" >&2
done
