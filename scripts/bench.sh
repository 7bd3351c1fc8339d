#!/usr/bin/env bash
# Runs the serialization benchmark in Swift (release build) and in C++ libcapnp on the same
# messages, then prints Swift/C++ time ratios (below 1.0 means Swift is faster).
#   scripts/bench.sh [SCALE]      SCALE multiplies iteration counts (default 1, ~0.5 s a case)
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"

cpp="$(bash Benchmarks/cpp/build.sh)"
swift build -c release --scratch-path .build-release --product capnp-bench >&2
swiftbin="$(swift build -c release --scratch-path .build-release --show-bin-path)/capnp-bench"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$cpp" "$scale" | tee -a "$out"
"$swiftbin" "$scale" | tee -a "$out"

echo
printf '%-24s %12s %12s %8s\n' case "C++ ns/op" "Swift ns/op" ratio
awk '$1 == "cpp" { c[$2] = $4 } $1 == "swift" { s[$2] = $4; order[n++] = $2 }
     END { for (i = 0; i < n; i++) { k = order[i]; if (k in c) printf "%-24s %12.1f %12.1f %8.2f\n", k, c[k], s[k], s[k] / c[k] } }' "$out"
