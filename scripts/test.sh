#!/usr/bin/env bash
# The project's test command (README): every test target in one `swift test` run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test -Xswiftc -warnings-as-errors "$@"
