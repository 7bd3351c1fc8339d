#!/usr/bin/env bash
# The project's test command (README): builds everything once (the end-to-end tests run the
# executables), then runs every test target in one `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -Xswiftc -warnings-as-errors "$@"
swift test --skip-build "$@"
