#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Fuzzes the serialization core's decoders with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [seconds] [libFuzzer options...]
#
# Builds Fuzz/DecoderFuzzer together with the sources of Sources/CapnProto (as one module) into
# .build-fuzz/decoder-fuzzer, seeds from Tests/CapnProtoTests/Fixtures/hostile and
# Fuzz/DecoderFuzzer/seeds, and runs for `seconds` (default 60). New inputs go to
# .build-fuzz/corpus; crashes to .build-fuzz/artifacts (add them to the hostile corpus once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-60}"
shift || true
out=.build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"

mapfile -t sources < <(find Sources/CapnProto Fuzz/DecoderFuzzer -name '*.swift' | sort)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility \
    -warnings-as-errors -module-name CapnProtoFuzz \
    "${sources[@]}" -o "$out/decoder-fuzzer"

# Short allocation stacks: hostile input throws (and allocates) a lot; full stacks halve the speed.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=2}"
# Swift's own crash backtracer can stall for minutes on a fuzzer crash; libFuzzer prints one.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
"$out/decoder-fuzzer" "$out/corpus" Tests/CapnProtoTests/Fixtures/hostile Fuzz/DecoderFuzzer/seeds \
    -max_total_time="$duration" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"
