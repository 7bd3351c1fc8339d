#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Regenerates the CodeGeneratorRequest fixtures of Tests/CapnProtoCodeGenTests: the exact bytes
# `capnp compile` hands a plugin for each schema, compiled from the repository root with the
# same paths as scripts/generate.sh (file names in the request end up in the generated header).
# The golden tests decode these and compare the generator's output with the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."

out=Tests/CapnProtoCodeGenTests/Fixtures
mkdir -p "$out"
for schema in schema/capnp-schema.capnp schema/ocluster.capnp schema/test/test.capnp; do
    name="$(basename "$schema" .capnp)"
    capnp compile -I schema -o- "$schema" >"$out/$name.request.bin"
    echo "wrote $out/$name.request.bin ($(wc -c <"$out/$name.request.bin") bytes)" >&2
done
