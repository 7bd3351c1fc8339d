#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# deploy-test step "kubernetes": renders deploy/kubernetes with `kubectl kustomize` and validates
# every object against the Kubernetes OpenAPI schemas with `kubernetes-validate --strict` (PyPI),
# for the oldest and newest Kubernetes releases it knows that the manifests target. `kubectl apply
# --dry-run=client` is not used: it needs an API server (discovery and OpenAPI), and none can be
# had here (deploy/kubernetes/README.md).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

KUBERNETES_VALIDATE_VERSION=1.37.0
venv=${OCLUSTER_DEPLOY_CACHE:-$ROOT/.deploy-cache}/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
    say "kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI (once; cached in $venv)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

rendered=$WORK/kubernetes.yaml
if command -v kubectl >/dev/null; then
    say "kubectl kustomize ($(kubectl version --client 2>/dev/null | sed -n 1p))"
    kubectl kustomize "$ROOT/deploy/kubernetes" >"$rendered"
else
    # Debian's kubernetes-client (kubectl 1.20) renders kustomizations too; without any kubectl the
    # files are validated one by one (the kustomization's namespace and image names then unapplied).
    say "no kubectl: validating the files as they are"
    for file in namespace scheduler worker; do cat "$ROOT/deploy/kubernetes/$file.yaml"; echo ---; done >"$rendered"
fi
kinds=$(grep -E '^kind: ' "$rendered" | sort | uniq -c | awk '{ printf "%s %s, ", $1, $3 }')
say "objects: ${kinds%, }"
for version in 1.29.0 "$KUBERNETES_VALIDATE_VERSION"; do
    "$venv/bin/kubernetes-validate" --strict -k "$version" "$rendered" >"$WORK/validate.log" 2>&1 ||
        { cat "$WORK/validate.log"; fail "the manifests do not validate against Kubernetes $version"; }
    grep -q ERROR "$WORK/validate.log" && { cat "$WORK/validate.log"; fail "kubernetes-validate reported errors"; }
    say "valid against the Kubernetes $version schemas (strict)"
done
# A check that the validator does reject what it should, so a pass above means something.
sed 's/containerPort: 9000/containerPort: 9000\n              bogusField: 1/' "$rendered" >"$WORK/broken.yaml"
! "$venv/bin/kubernetes-validate" --strict -k "$KUBERNETES_VALIDATE_VERSION" "$WORK/broken.yaml" >/dev/null 2>&1 ||
    fail "kubernetes-validate accepted an unknown field"
say "ok"
