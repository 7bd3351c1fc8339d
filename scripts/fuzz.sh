#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Fuzzes the serialization core's decoders and the RPC engine with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [--target decoder|rpc|all] [seconds] [libFuzzer options...]
#
# decoder (the default, as before): Fuzz/DecoderFuzzer and its harness against Sources/CapnProto
#   (instrumented) into .build-fuzz/decoder-fuzzer, seeded from
#   Tests/CapnProtoTests/Fixtures/hostile, Fuzz/DecoderFuzzer/seeds and Fuzz/DecoderFuzzer/corpus.
# rpc: Fuzz/RPCFuzzer against CapnProto, AsyncBlocks, CapnProtoRPC and CapnProtoTestSupport (each a
#   module, all instrumented; swift-log from SwiftPM's checkout, so run `swift build` once first)
#   into .build-fuzz/rpc-fuzzer, seeded from Fuzz/RPCFuzzer/corpus.
# all: both, one after the other, `seconds` each.
#
# Runs each for `seconds` (default 60). An input that runs longer than FUZZ_TIMEOUT seconds (default
# 10) is reported as a hang; raise it for a fuzzer that runs at a low CPU priority beside other work,
# where a starved input can wait longer than that. New inputs go to .build-fuzz/<target>-corpus; crashes to
# .build-fuzz/artifacts (fix the product, then add the input to the target's corpus: the corpus
# regression tests run every committed corpus file). To minimize a target's committed corpus:
#   scripts/fuzz.sh --target rpc 0 -merge=1   (merges .build-fuzz/rpc-corpus into Fuzz/RPCFuzzer/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

target=decoder
if [[ "${1:-}" == "--target" ]]; then
    target="${2:?--target needs decoder, rpc or all}"
    shift 2
fi
duration="${1:-60}"
shift || true
out=.build-fuzz
mkdir -p "$out/artifacts" "$out/modules"

base=(-sanitize=fuzzer,address -parse-as-library -O -g)
flags=("${base[@]}" -swift-version 6 -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility)

# Short allocation stacks: hostile input throws (and allocates) a lot; full stacks halve the speed.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=2}"
# No LeakSanitizer: the Swift runtime keeps caches that LSan scans after every input that
# allocated more than it freed, which made the scan 90% of the time (10 executions a second instead
# of hundreds). The RPC harness checks for leaked connections, servers and capabilities itself.
leaks=(-detect_leaks=0)
# Swift's own crash backtracer can stall for minutes on a fuzzer crash; libFuzzer prints one.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

# run NAME BINARY CORPUS SEEDS... : fuzzes, or with -merge=1 minimizes into CORPUS.
run() {
    local name="$1" binary="$2" corpus="$3"
    shift 3
    local seeds=("$@")
    mkdir -p "$corpus" "$out/$name-corpus"
    if [[ " ${extra[*]:-} " == *" -merge=1 "* ]]; then
        # The first directory is the one merged into.
        "$binary" "${leaks[@]}" "${merge_len[@]}" "${extra[@]}" "$corpus" "$out/$name-corpus" "${seeds[@]}"
        return
    fi
    "$binary" "$out/$name-corpus" "$corpus" "${seeds[@]}" \
        -max_total_time="$duration" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
        -artifact_prefix="$out/artifacts/" -print_final_stats=1 "${leaks[@]}" "${fuzz_len[@]}" "${extra[@]}"
}

rebuilt=
merge_len=()
# module NAME strict|dependency SOURCES... : one instrumented static library and its module (a
# dependency's sources with its own package's settings, not ours).
module() {
    local name="$1" kind="$2"
    shift 2
    local library="$out/lib$name.a"
    # Up to date: no source is newer than the library, and no module before it was rebuilt.
    if [[ -z "$rebuilt" && -f "$library" && -z "$(find "$@" -newer "$library" | head -1)" ]]; then
        return
    fi
    rebuilt=yes
    local settings=("${flags[@]}" -warnings-as-errors)
    [[ "$kind" == dependency ]] && settings=("${base[@]}" -swift-version 5 -package-name "$name")
    swiftc "${settings[@]}" -I "$out/modules" -emit-library -static -emit-module \
        -emit-module-path "$out/modules/$name.swiftmodule" -module-name "$name" "$@" -o "$library"
}

decoder() {
    rebuilt=
    module CapnProto strict $(find Sources/CapnProto -name '*.swift' | sort)
    # The harness files need only CapnProto: they are compiled into the fuzzer's own module.
    local harness=Sources/CapnProtoTestSupport/Fuzz
    swiftc "${flags[@]}" -warnings-as-errors -I "$out/modules" -module-name DecoderFuzzer \
        "$harness/DecoderFuzzHarness.swift" "$harness/MessageDigest.swift" Fuzz/DecoderFuzzer/main.swift \
        -L "$out" -lCapnProto -o "$out/decoder-fuzzer"
    # The committed corpus keeps inputs of at most 512 bytes: the regression test runs the harness
    # in a debug build, where 4 KiB inputs take a second each (512 keeps 1038 of 1041 edges).
    # Fuzzing stops at 1 KiB (a 64-segment frame header is 260 bytes): the harness costs about
    # linearly more per byte, and only inputs of at most 512 bytes are kept.
    merge_len=(-max_len=512)
    fuzz_len=(-max_len=1024)
    run decoder "$out/decoder-fuzzer" Fuzz/DecoderFuzzer/corpus \
        Tests/CapnProtoTests/Fixtures/hostile Fuzz/DecoderFuzzer/seeds
}

rpc() {
    rebuilt=
    local log=.build/checkouts/swift-log/Sources/Logging
    [[ -d "$log" ]] || { echo "fuzz.sh: $log is missing: run 'swift build' once first" >&2; exit 1; }
    module Logging dependency $(find "$log" -name '*.swift' | sort)
    module CapnProto strict $(find Sources/CapnProto -name '*.swift' | sort)
    module AsyncBlocks strict $(find Sources/AsyncBlocks -name '*.swift' | sort)
    module CapnProtoRPC strict $(find Sources/CapnProtoRPC -name '*.swift' | sort)
    module CapnProtoTestSupport strict $(find Sources/CapnProtoTestSupport -name '*.swift' | sort)
    swiftc "${flags[@]}" -warnings-as-errors -I "$out/modules" -module-name RPCFuzzer Fuzz/RPCFuzzer/main.swift \
        -L "$out" -lCapnProtoTestSupport -lCapnProtoRPC -lAsyncBlocks -lCapnProto -lLogging -o "$out/rpc-fuzzer"
    merge_len=(-max_len=1024)
    fuzz_len=(-max_len=1024)
    run rpc "$out/rpc-fuzzer" Fuzz/RPCFuzzer/corpus
}

extra=("$@")
case "$target" in
    decoder) decoder ;;
    rpc) rpc ;;
    all) decoder && rpc ;;
    *) echo "fuzz.sh: unknown target '$target' (decoder, rpc or all)" >&2; exit 2 ;;
esac
