#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks OBuilder builds, cold (a fresh snapshot store each run) vs cached (every step
# from the store), and prints median/min/max of each and the cold/cached ratio.
#
#   scripts/obuilder-bench.sh [--runs N] [--backend overlay|copy]
#
# Makes a busybox base image (scripts/make-base-image.sh) in a temporary directory, builds
# obuilder-bench in release mode and runs it there; everything is removed afterwards.
# Needs root, runc and busybox-static (scripts/install-deps.sh).
# Built in release mode in the Benchmarks package (Benchmarks/.build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product obuilder-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"
work="$(mktemp -d "${TMPDIR:-/tmp}/obuilder-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
bash scripts/make-base-image.sh "$work/images" busybox >&2
"$bin/obuilder-bench" --base-images "$work/images" --work "$work" "$@"
