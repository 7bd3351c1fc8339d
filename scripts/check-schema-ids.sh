#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Checks that every node (struct, group, union, enum, interface, method param/result struct,
# const, annotation, file) of our schema files has the type id the upstream files give it.
#
#   scripts/check-schema-ids.sh             compare against schema/expected-ids.txt
#   scripts/check-schema-ids.sh --print F…  print the "file:Name 0xid" listing of files F…
#
# The listing comes from `capnp compile -o-` decoded with our own schema/capnp-schema.capnp;
# display names are reduced to the file's base name so listings of differently located
# copies compare equal. schema/expected-ids.txt was produced with --print from the upstream
# files (capnproto master schema.capnp, v1.4.0 rpc.capnp, ocluster api/schema.capnp) copied
# under our file names.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
self_schema="$root/schema/capnp-schema.capnp"

# Decimal (up to 2^64-1) to 0x-prefixed 16-digit hex; relies on bash's wrapping arithmetic.
to_hex() {
  local digits="$1" n=0 i
  for ((i = 0; i < ${#digits}; i++)); do
    n=$((n * 10 + ${digits:i:1}))
  done
  printf '0x%016x' "$n"
}

list_file() { # file.capnp
  local dir base
  dir="$(cd "$(dirname "$1")" && pwd)"
  base="$(basename "$1")"
  (cd "$dir" && capnp compile -I/usr/include -o- "$base") |
    capnp decode --short "$self_schema" CodeGeneratorRequest |
    grep -oE '\(id = [0-9]+, displayName = "[^"]*"' |
    sed -E 's/^\(id = ([0-9]+), displayName = "([^"]*)"$/\1 \2/' |
    while read -r id name; do
      if [[ "$name" == "$base" || "$name" == "$base:"* ]]; then
        echo "$name $(to_hex "$id")"
      fi
    done
}

print_listing() {
  local f
  for f in "$@"; do
    list_file "$f"
  done | LC_ALL=C sort
}

if [[ "${1:-}" == "--print" ]]; then
  shift
  print_listing "$@"
  exit 0
fi

expected="$root/schema/expected-ids.txt"
actual="$(mktemp)"
trap 'rm -f "$actual"' EXIT
print_listing "$root/schema/capnp-schema.capnp" "$root/schema/rpc.capnp" "$root/schema/ocluster.capnp" >"$actual"
cat "$actual"
if diff -u "$expected" "$actual" >&2; then
  echo "check-schema-ids: all $(wc -l <"$actual") node ids match schema/expected-ids.txt" >&2
else
  echo "check-schema-ids: MISMATCH (- expected, + ours)" >&2
  exit 1
fi
