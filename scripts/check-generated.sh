#!/usr/bin/env bash
# Fails when a committed generated file differs from what the generator makes now.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
if ! git diff --exit-code --stat -- '*/Generated/*'; then
    echo "generated code is stale: run scripts/generate.sh and commit the result" >&2
    exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- '*/Generated/*')
if [ -n "$untracked" ]; then
    echo "generated files not committed: $untracked" >&2
    exit 1
fi
echo "generated code is current"
