#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Round-trips every text fixture in schema/test/ through the official `capnp` tool:
#   text -> binary -> text -> binary   (both binaries must be byte-identical)
# and the same with --packed, and checks that the packed form unpacks to the unpacked one.
# For union fixtures (test-union-ARM.txt, test-groups-ARM.txt) it also checks that the
# decoded value has the expected member set.
#
#   scripts/check-test-fixtures.sh            check all fixtures
#   scripts/check-test-fixtures.sh --emit DIR write FIXTURE.bin and FIXTURE.packed to DIR
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
schema="$root/schema/test/test.capnp"
emit=""
if [[ "${1:-}" == "--emit" ]]; then
  emit="$2"
  mkdir -p "$emit"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

type_for() { # fixture base name -> root struct
  case "$1" in
    test-all-types) echo TestAllTypes ;;
    test-union-*) echo TestUnion ;;
    test-groups-*) echo TestGroups ;;
    test-keywords*) echo TestKeywords ;;
    test-defaults-*) echo TestDefaults ;;
    *) return 1 ;;
  esac
}

failures=0
count=0
for fixture in "$root"/schema/test/*.txt; do
  name="$(basename "$fixture" .txt)"
  type="$(type_for "$name")" || {
    echo "?? $name: no root type known for this file name" >&2
    failures=$((failures + 1))
    continue
  }
  count=$((count + 1))
  ok=1

  capnp encode "$schema" "$type" <"$fixture" >"$tmp/a.bin"
  capnp decode "$schema" "$type" <"$tmp/a.bin" >"$tmp/a.txt"
  capnp encode "$schema" "$type" <"$tmp/a.txt" >"$tmp/b.bin"
  cmp -s "$tmp/a.bin" "$tmp/b.bin" || { echo "FAIL $name: binary round trip differs" >&2; ok=0; }

  capnp encode --packed "$schema" "$type" <"$fixture" >"$tmp/a.packed"
  capnp decode --packed "$schema" "$type" <"$tmp/a.packed" >"$tmp/p.txt"
  capnp encode --packed "$schema" "$type" <"$tmp/p.txt" >"$tmp/b.packed"
  cmp -s "$tmp/a.packed" "$tmp/b.packed" || { echo "FAIL $name: packed round trip differs" >&2; ok=0; }
  cmp -s "$tmp/a.txt" "$tmp/p.txt" || { echo "FAIL $name: packed and unpacked decode differently" >&2; ok=0; }
  capnp convert packed:binary <"$tmp/a.packed" >"$tmp/u.bin"
  cmp -s "$tmp/a.bin" "$tmp/u.bin" || { echo "FAIL $name: unpacking the packed form differs" >&2; ok=0; }

  arm=""
  case "$name" in
    test-union-shape-*) arm="${name#test-union-shape-}" ;;
    test-union-*) arm="${name#test-union-}" ;;
    test-groups-*) arm="${name#test-groups-}" ;;
  esac
  if [[ -n "$arm" ]] && ! capnp decode --short "$schema" "$type" <"$tmp/a.bin" | grep -qE "[(, ]$arm = "; then
    echo "FAIL $name: decoded value does not hold member '$arm'" >&2
    ok=0
  fi

  if [[ -n "$emit" ]]; then
    cp "$tmp/a.bin" "$emit/$name.bin"
    cp "$tmp/a.packed" "$emit/$name.packed"
  fi
  if [[ $ok == 1 ]]; then
    echo "ok   $name ($type): $(wc -c <"$tmp/a.bin") bytes, $(wc -c <"$tmp/a.packed") packed"
  else
    failures=$((failures + 1))
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "check-test-fixtures: $failures of $count fixtures FAILED" >&2
  exit 1
fi
echo "check-test-fixtures: all $count fixtures round-trip (binary and packed)"
