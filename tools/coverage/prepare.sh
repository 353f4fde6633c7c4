#!/usr/bin/env bash
# Sets up build/coverage/ for `make coverage` (git-ignored; the main build/ is never touched):
#   build/coverage/project/  a copy of the Brownie project compiled with the legacy pipeline
#                            (viaIR's coarse source maps under-report branches), same solc,
#                            optimizer runs and evm_version otherwise;
#   build/coverage/home/     a Brownie home whose `anvil` network (network-config.yaml's, with
#                            base fee 0, shanghai, steps tracing) also lifts EIP-170's size
#                            limit: the legacy BenefitToken is over 24,576 bytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build/coverage"
project="$out/project"
home="$out/home/.brownie"
mkdir -p "$project" "$home"

rm -rf "$project/contracts" "$project/interfaces" "$project/tests" "$project/scripts"
cp -R "$root/contracts" "$root/interfaces" "$root/tests" "$root/scripts" "$project/"
cp "$root/pyproject.toml" "$project/" # pytest's settings (warning filters)
cp "$root/README.md" "$project/" # the role table tests/security reads
ln -sfn "$root/node_modules" "$project/node_modules"
# Per-test coverage is cached in tests.json: a stale cache would report old figures.
rm -f "$project/build/tests.json"

sed 's/^\( *viaIR:\) *true\b.*/\1 false # coverage only: legacy pipeline, exact source maps/' \
  "$root/brownie-config.yaml" >"$project/brownie-config.yaml"
grep -q 'viaIR: false' "$project/brownie-config.yaml" || {
  echo "coverage: could not switch viaIR off in the copy of brownie-config.yaml" >&2
  exit 1
}

sed 's/^\( *cmd:\) *anvil *$/\1 anvil --disable-code-size-limit/' \
  "$root/network-config.yaml" >"$home/network-config.yaml"
grep -q 'cmd: anvil --disable-code-size-limit' "$home/network-config.yaml" || {
  echo "coverage: no 'cmd: anvil' network in network-config.yaml" >&2
  exit 1
}
echo "coverage: legacy-pipeline project copy in $project"
