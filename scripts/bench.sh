#!/usr/bin/env bash
# Runs the serialization benchmark in Swift (release build) and in C++ libcapnp on the same
# messages, then prints Swift/C++ time ratios (below 1.0 means Swift is faster). The Swift side is
# Benchmarks/Sources/capnp-bench, built in release mode in the Benchmarks package.
#   scripts/bench.sh [SCALE]      SCALE multiplies iteration counts (default 1, ~0.5 s a case)
#   scripts/bench.sh --instructions
#       counts instructions per operation with valgrind's callgrind instead of timing: slower,
#       but repeatable on a busy machine (a run of each case minus a run that does no case).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=time
if [ "${1:-}" = "--instructions" ]; then mode=instructions; shift; fi
scale="${1:-1}"

cpp="$(bash Benchmarks/cpp/build.sh)"
swift build -c release --package-path Benchmarks --product capnp-bench >&2
swiftbin="$(swift build -c release --package-path Benchmarks --show-bin-path)/capnp-bench"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ "$mode" = instructions ]; then
    command -v valgrind >/dev/null || { echo "bench.sh: --instructions needs valgrind" >&2; exit 1; }
    small=0.005
    count() { # binary case -> instructions for the whole run
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }'
    }
    base_cpp=$(count "$cpp" "$small" none)
    base_swift=$(count "$swiftbin" "$small" none)
    printf '%-24s %14s %14s %8s\n' case "C++ instr/op" "Swift instr/op" ratio
    # iterations per case at SCALE 1 (as in both programs), warm-up included (x1.1)
    for entry in jobdescr_encode:1200000 jobdescr_decode:2000000 bulk_encode:250 bulk_decode:1200 \
        jobdescr_packed_encode:400000 jobdescr_packed_decode:700000; do
        name=${entry%%:*}
        ops=$(awk -v n="${entry##*:}" -v s="$small" 'BEGIN { i = int(n * s); if (i < 1) i = 1; print i + int(i / 10) + 1 }')
        c=$(count "$cpp" "$small" "$name")
        w=$(count "$swiftbin" "$small" "$name")
        awk -v k="$name" -v c="$c" -v bc="$base_cpp" -v w="$w" -v bw="$base_swift" -v n="$ops" \
            'BEGIN { cc = (c - bc) / n; ww = (w - bw) / n; printf "%-24s %14.0f %14.0f %8.2f\n", k, cc, ww, ww / cc }'
    done
    exit 0
fi
"$cpp" "$scale" | tee -a "$out"
"$swiftbin" "$scale" | tee -a "$out"

echo
printf '%-24s %12s %12s %8s\n' case "C++ ns/op" "Swift ns/op" ratio
awk '$1 == "cpp" { c[$2] = $4 } $1 == "swift" { s[$2] = $4; order[n++] = $2 }
     END { for (i = 0; i < n; i++) { k = order[i]; if (k in c) printf "%-24s %12.1f %12.1f %8.2f\n", k, c[k], s[k], s[k] / c[k] } }' "$out"
