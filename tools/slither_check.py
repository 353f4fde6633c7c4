#!/usr/bin/env python3
"""Slither over every contract, compiled exactly as Brownie compiles it; fails on high/medium.

crytic-compile, given the project folder, reads only contracts/*.sol at its top level, and its
Brownie mode fails on remapped imports (see ../shared/TOOLCHAIN.md). So this writes a solc
standard-JSON input naming every contracts/**/*.sol with the settings read from
brownie-config.yaml (version, viaIR, optimizer runs, evmVersion, remappings) and hands it to
Slither with the project's own compiler (.solcx/solc-v<version>, native or the solc-js bridge).

Every high or medium finding fails the run. A finding that does not apply is suppressed in the
contract, on the line before it, with `// slither-disable-next-line <detector>` and the reason.
Low and informational findings are counted, not fatal; the full report is in build/slither/.

Usage (from anywhere): .venv/bin/python tools/slither_check.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "slither"
FATAL = ("High", "Medium")


def standard_json_input() -> tuple[dict, str]:
    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())
    compiler = config["compiler"]
    solc = compiler["solc"]
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "contracts").rglob("*.sol"))
    if not sources:
        sys.exit("slither: no contracts/**/*.sol found")
    settings = {
        "remappings": list(solc.get("remappings") or []),
        "optimizer": {
            "enabled": bool(solc["optimizer"]["enabled"]),
            "runs": int(solc["optimizer"]["runs"]),
        },
        "viaIR": bool(solc.get("viaIR", False)),
        "evmVersion": compiler["evm_version"],
        # What crytic-compile asks for by default: the AST plus ABI and bytecode.
        "outputSelection": {
            "*": {
                "*": [
                    "abi",
                    "metadata",
                    "devdoc",
                    "userdoc",
                    "evm.bytecode",
                    "evm.deployedBytecode",
                ],
                "": ["ast"],
            }
        },
    }
    return (
        {
            "language": "Solidity",
            "sources": {path: {"urls": [path]} for path in sources},
            "settings": settings,
        },
        str(solc["version"]),
    )


def main() -> int:
    os.chdir(ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    data, version = standard_json_input()
    solc = ROOT / ".solcx" / f"solc-v{version}"
    if not os.access(solc, os.X_OK):
        sys.exit(f"slither: {solc.relative_to(ROOT)} is missing: run `make install` first")
    answer = subprocess.run([str(solc), "--version"], capture_output=True, text=True, check=True)
    if f"Version: {version}+" not in answer.stdout:
        sys.exit(f"slither: {solc.name} is not solc {version}: {answer.stdout.strip()}")

    input_json = OUT / "input.json"
    input_json.write_text(json.dumps(data, indent=2) + "\n")
    report = OUT / "report.json"
    report.unlink(missing_ok=True)
    log = OUT / "slither.log"
    s = data["settings"]
    print(
        f"    {len(data['sources'])} sources, solc {version} ({solc.relative_to(ROOT)}), "
        f"viaIR={s['viaIR']}, runs={s['optimizer']['runs']}, evmVersion={s['evmVersion']}"
    )
    slither = Path(sys.executable).parent / "slither"
    cmd = [
        str(slither),
        str(input_json.relative_to(ROOT)),
        "--compile-force-framework",
        "solc-json",
        "--solc",
        str(solc),
        "--filter-paths",
        "node_modules",
        "--exclude-dependencies",
        "--json",
        str(report.relative_to(ROOT)),
        "--disable-color",
    ]
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    if not report.exists():
        sys.stdout.write(log.read_text()[-4000:])
        print(f"slither: no report (exit {proc.returncode}); full log in {log.relative_to(ROOT)}")
        return 2
    result = json.loads(report.read_text())
    if not result.get("success"):
        sys.stdout.write(log.read_text()[-4000:])
        print(f"slither: failed: {result.get('error')}")
        return 2
    findings = result.get("results", {}).get("detectors", [])
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["impact"]] = counts.get(f["impact"], 0) + 1
    fatal = [f for f in findings if f["impact"] in FATAL]
    for f in fatal:
        print(f"  [{f['impact']}] {f['check']}: {f['description'].strip()}")
    summary = ", ".join(
        f"{counts.get(k, 0)} {k.lower()}"
        for k in ("High", "Medium", "Low", "Informational", "Optimization")
    )
    print(f"    Slither: {summary} ({elapsed:.0f} s); report in {report.relative_to(ROOT)}")
    if fatal:
        print(
            f"slither: {len(fatal)} high/medium finding(s): fix each, or suppress it on the line "
            "before with `// slither-disable-next-line <detector>` and the reason it does not apply"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
