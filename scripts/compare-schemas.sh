#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# compare-schemas.sh OURS.capnp THEIRS.capnp
#
# Checks that two schema files describe the same wire format: compiles both with `capnp`, then
#  1. diffs `capnp compile -ocapnp` (layout: ordinals, bit/pointer offsets, sizes, types,
#     defaults), ignoring the file-name header and c++.capnp annotations;
#  2. diffs a full node-by-node dump (scripts/schema-dump.cpp): every node id, including
#     groups, unions and method param/result structs, every field, and a hash of each node's
#     canonical encoding.
# Exits 0 and prints a summary when identical; otherwise prints the diffs and exits 1.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 OURS.capnp THEIRS.capnp" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/.build-cpp/tools"
mkdir -p "$build"
dump="$build/schema-dump"
if [[ ! -x "$dump" || "$root/scripts/schema-dump.cpp" -nt "$dump" ]]; then
  # shellcheck disable=SC2046
  g++ -O1 -std=c++17 -o "$dump" "$root/scripts/schema-dump.cpp" $(pkg-config --cflags --libs capnp)
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ours="$1"
theirs="$2"

# Compile from the file's own directory with a bare file name so display names start the same.
compile() { # file format out
  (cd "$(dirname "$1")" && capnp compile -I/usr/include "-o$2" "$(basename "$1")")
}

layout() { # file
  compile "$1" capnp | sed -e '1{/^# /d}' -e '/^\$import "\/capnp\/c++.capnp"/d' \
    -e 's/ \$import "\/capnp\/c++.capnp"\.[A-Za-z]*([^)]*)//g'
}

status=0
layout "$ours" >"$tmp/ours.layout"
layout "$theirs" >"$tmp/theirs.layout"
if diff -u "$tmp/theirs.layout" "$tmp/ours.layout" >"$tmp/layout.diff"; then
  echo "layout (capnp compile -ocapnp): identical ($(wc -l <"$tmp/ours.layout") lines)"
else
  echo "layout (capnp compile -ocapnp): DIFFERENT (- theirs, + ours)"
  cat "$tmp/layout.diff"
  status=1
fi

compile "$ours" - | "$dump" >"$tmp/ours.nodes"
compile "$theirs" - | "$dump" >"$tmp/theirs.nodes"
nodes=$(grep -c '^=== ' "$tmp/ours.nodes" || true)
fields=$(grep -c 'codeOrder = ' "$tmp/ours.nodes" || true)
if diff -u "$tmp/theirs.nodes" "$tmp/ours.nodes" >"$tmp/nodes.diff"; then
  echo "nodes (CodeGeneratorRequest): identical ($nodes nodes, $fields members incl. fields/enumerants/methods)"
else
  echo "nodes (CodeGeneratorRequest): DIFFERENT (- theirs, + ours)"
  cat "$tmp/nodes.diff"
  status=1
fi
exit $status
