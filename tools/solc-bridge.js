#!/usr/bin/env node
// A stand-in for a native `solc` binary, backed by solc-js (the same compiler, built to
// WebAssembly). py-solc-x and Brownie only ever call `--version` and `--standard-json`, so that
// is all this answers; anything else exits non-zero with a message, never a silent success.
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));

function fail(message) {
  fs.writeSync(2, `solc-bridge: ${message}\n`);
  process.exitCode = 2;
}

// Imports arrive already remapped by solc (e.g. node_modules/@openzeppelin/...), relative to
// the directory Brownie runs in or to one of the --allow-paths / --base-path roots.
function importResolver(roots) {
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: `File not found: ${importPath} (looked in ${roots.join(", ")})` };
  };
}

function main(argv) {
  if (argv.length === 1 && argv[0] === "--version") {
    // solc-js reports "<ver>+commit.<hash>.Emscripten.clang"; native solc prints this shape.
    fs.writeSync(1, "solc, the solidity compiler commandline interface\n");
    fs.writeSync(1, `Version: ${solc.version()}\n`);
    return;
  }
  const roots = [process.cwd(), projectRoot];
  let standardJson = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--standard-json") {
      standardJson = true;
    } else if (arg === "--allow-paths" || arg === "--base-path" || arg === "--include-path") {
      const value = argv[++i];
      if (value === undefined) return fail(`${arg} needs a value`);
      roots.push(...value.split(",").filter(Boolean));
    } else if (/^--(allow-paths|base-path|include-path)=/.test(arg)) {
      roots.push(...arg.split("=")[1].split(",").filter(Boolean));
    } else {
      return fail(`unsupported argument '${arg}': only --version and --standard-json are bridged`);
    }
  }
  if (!standardJson) return fail("nothing to do: pass --version or --standard-json");
  const input = fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: importResolver(roots) });
  // writeSync, not process.stdout.write: a piped stdout is async and would be cut at 64 KiB.
  fs.writeSync(1, output);
}

main(process.argv.slice(2));
