#!/usr/bin/env bash
# Puts solc-v<version> into the project's compiler folder (.solcx/, read by py-solc-x and Brownie
# through SOLCX_BINARY_PATH). A native solc of exactly that version is used when the machine has
# one; otherwise a bridge to solc-js (npm `solc`, the same compiler built to WebAssembly).
set -euo pipefail
version="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
folder="$root/.solcx"
target="$folder/solc-v$version"
mkdir -p "$folder"
rm -f "$target"

if native=$(command -v solc 2>/dev/null) && "$native" --version 2>/dev/null | grep -q "Version: $version+"; then
  ln -s "$native" "$target"
  echo "solc $version: native compiler $native"
  exit 0
fi

jsversion=$(node -p "require('$root/node_modules/solc/package.json').version")
if [ "$jsversion" != "$version" ]; then
  echo "setup-solc: package.json pins solc-js $jsversion but brownie-config.yaml wants $version" >&2
  exit 1
fi
cat > "$target" <<'SH'
#!/bin/sh
exec node "$(dirname "$0")/../tools/solc-bridge.js" "$@"
SH
chmod +x "$target"
echo "solc $version: solc-js bridge in $target"
