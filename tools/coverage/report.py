"""Branch coverage of CivicLedger's own contracts, from a Brownie coverage run of the
legacy-pipeline copy in build/coverage/project (see tools/coverage/prepare.sh).

Brownie's own report counts inherited OpenZeppelin code in a contract's figure and names only the
deployed contracts; this prints one figure per source file of ours instead, counted the way
Brownie counts (each branch has two outcomes; a figure is outcomes seen / twice the branches),
with every branch from the build's coverage maps in the total, run or not. Outcomes are read
from build/tests.json (Brownie's per-transaction record) and merged across every deployed
contract that contains the file. It lists each branch outcome never seen, and exits non-zero
below --fail-under.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OWN = {
    "BenefitPrograms": "contracts/benefits/BenefitPrograms.sol",
    "Settlement": "contracts/settlement/Settlement.sol",
    "EmergencyStop": "contracts/benefits/EmergencyStop.sol",
    "LandRegistry": "contracts/registry/LandRegistry.sol",
    "DevStablecoin": "contracts/dev/DevStablecoin.sol",
    "BenefitToken": "contracts/benefits/BenefitToken.sol",
}


def collect(project: Path) -> tuple[dict, dict]:
    """Every branch of our files, keyed by (path, start, end), and the outcomes seen of each."""
    tests = json.loads((project / "build" / "tests.json").read_text())
    seen: dict[str, dict[str, list[set[int]]]] = {}
    for per_tx in tests.get("tx", {}).values():
        for name, paths in per_tx.items():
            for path_id, sets in paths.items():
                merged = seen.setdefault(name, {}).setdefault(path_id, [set(), set(), set()])
                for i in range(3):
                    merged[i].update(int(x) for x in sets[i])

    own_paths = set(OWN.values())
    branches: dict[tuple[str, int, int], dict] = {}
    for artifact in sorted((project / "build" / "contracts").glob("*.json")):
        build = json.loads(artifact.read_text())
        if not build.get("deployedBytecode") or "coverageMap" not in build:
            continue
        name = build["contractName"]
        for path_id, fns in build["coverageMap"]["branches"].items():
            path = build["allSourcePaths"].get(path_id)
            if path not in own_paths:
                continue
            hits = seen.get(name, {}).get(path_id, [set(), set(), set()])
            for fn, entries in fns.items():
                for branch_id, (start, end, jump_if_true) in entries.items():
                    branch = branches.setdefault(
                        (path, start, end), {"fn": fn, "true": False, "false": False}
                    )
                    # Brownie: set 1 = the JUMPI fell through, set 2 = it jumped.
                    jumped = int(branch_id) in hits[2]
                    fell = int(branch_id) in hits[1]
                    if jump_if_true:
                        branch["true"] |= jumped
                        branch["false"] |= fell
                    else:
                        branch["true"] |= fell
                        branch["false"] |= jumped
    return branches, tests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="the Brownie project copy that was run")
    parser.add_argument("--fail-under", type=float, default=0.0, help="minimum total branch %%")
    args = parser.parse_args()

    branches, _ = collect(args.project)
    rows = []
    total_seen = total_outcomes = 0
    print(f"{'Branch coverage, own contracts':34} {'outcomes':>10} {'branches':>9} {'%':>7}")
    for name, path in OWN.items():
        mine = [b for (p, _, _), b in branches.items() if p == path]
        outcomes = sum(b["true"] + b["false"] for b in mine)
        total_seen += outcomes
        total_outcomes += 2 * len(mine)
        if not mine:
            print(f"  {name:32} {'-':>10} {0:>9}  (no branches)")
            continue
        pct = 100 * outcomes / (2 * len(mine))
        print(f"  {name:32} {outcomes:>5}/{2 * len(mine):<4} {len(mine):>9} {pct:>6.1f}%")
        rows.append((name, path, mine))
    total = 100 * total_seen / (total_outcomes or 1)
    print(
        f"  {'TOTAL':32} {total_seen:>5}/{total_outcomes:<4} {total_outcomes // 2:>9} {total:>6.1f}%"
    )

    print("\nBranch outcomes never seen:")
    for path in OWN.values():
        source = (args.project / path).read_bytes()  # solc's offsets count bytes
        for (p, start, end), b in sorted(branches.items()):
            if p != path or (b["true"] and b["false"]):
                continue
            line = source.count(b"\n", 0, start) + 1
            missing = "never true" if not b["true"] else "never false"
            if not b["true"] and not b["false"]:
                missing = "never run"
            text = " ".join(source[start:end].decode().split())
            if source[:start].rstrip().endswith(b"!"):
                # Brownie maps `!x` to `x`, but its outcomes are those of the whole `!x`.
                text = "!" + text
            print(f"  {path}:{line} {b['fn']}: `{text}` {missing}")

    if total < args.fail_under:
        print(f"\nbranch coverage {total:.1f}% is under {args.fail_under:.0f}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
