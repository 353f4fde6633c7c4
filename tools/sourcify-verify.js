#!/usr/bin/env node
// An independent check of `civic audit export`: Sourcify's own verification library
// (@ethereum-sourcify/lib-sourcify) verifies each exported contract against a chain from the
// export's metadata.json and sources/ alone, the way sourcify.dev's metadata route does, and
// compiles with the project's solc-js (node_modules/solc). Nothing here is fetched from the
// network but the chain's RPC: a source missing from the export is an error, never an IPFS call.
//
//   node tools/sourcify-verify.js --rpc http://127.0.0.1:8545 --export DIR [--contract Name]...
//
// Prints one JSON object: {Name: {"runtimeMatch": "perfect"|"partial"|null, "creationMatch": ...,
// "error"?: "..."}}. Exit status 0 when every contract is a perfect match on both, 1 otherwise.
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));
const lib = require("@ethereum-sourcify/lib-sourcify");

// Sourcify's ISolidityCompiler, answered by the one solc-js the project pins: a version other
// than the one asked for is refused rather than silently used.
const compiler = {
  async compile(version, input) {
    const have = solc.version().replace(/\.Emscripten\.clang$/, "");
    if (version.replace(/^v/, "") !== have) {
      throw new Error(`solc ${version} asked for, node_modules/solc is ${have}`);
    }
    return JSON.parse(solc.compile(JSON.stringify(input)));
  },
};

function parseArgs(argv) {
  const args = { contracts: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--rpc") args.rpc = value;
    else if (flag === "--export") args.exportDir = value;
    else if (flag === "--contract") args.contracts.push(value);
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!args.rpc || !args.exportDir) throw new Error("--rpc and --export are required");
  return args;
}

function filesUnder(folder) {
  const out = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

async function verifyOne(chain, folder, entry) {
  // Exactly what a user uploads to Sourcify: metadata.json and the source files.
  const files = [path.join(folder, "metadata.json"), ...filesUnder(path.join(folder, "sources"))];
  const pathBuffers = files.map((file) => ({ path: file, buffer: fs.readFileSync(file) }));
  const candidates = await lib.createMetadataContractsFromFiles(pathBuffers);
  const contract = candidates.find(
    (c) => c.name === entry.contractName && c.path === entry.sourceUnit,
  );
  if (!contract) throw new Error(`metadata.json does not describe ${entry.sourceUnit}:${entry.contractName}`);
  const missing = Object.keys(contract.missingSources || {});
  if (missing.length) throw new Error(`sources missing from the export: ${missing.join(", ")}`);
  const compilation = await contract.createCompilation(compiler);
  const verification = new lib.Verification(compilation, chain, entry.address, entry.creationTx);
  await verification.verify();
  return verification.status;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  lib.setLibSourcifyLoggerLevel(0);
  const summary = JSON.parse(fs.readFileSync(path.join(args.exportDir, "export.json"), "utf8"));
  const chain = new lib.SourcifyChain({
    name: `chain ${summary.chainId}`,
    chainId: summary.chainId,
    rpcs: [{ rpc: args.rpc }],
    supported: true,
  });
  const names = args.contracts.length ? args.contracts : Object.keys(summary.contracts);
  const results = {};
  let perfect = true;
  for (const name of names) {
    const entry = summary.contracts[name];
    try {
      if (!entry) throw new Error(`no ${name} in export.json`);
      results[name] = await verifyOne(chain, path.join(args.exportDir, name), entry);
    } catch (err) {
      results[name] = { runtimeMatch: null, creationMatch: null, error: String(err.message || err) };
    }
    const r = results[name];
    perfect = perfect && r.runtimeMatch === "perfect" && r.creationMatch === "perfect";
  }
  fs.writeSync(1, JSON.stringify(results, null, 2) + "\n");
  process.exitCode = perfect ? 0 : 1;
}

main().catch((err) => {
  fs.writeSync(2, `sourcify-verify: ${err.stack || err}\n`);
  process.exitCode = 2;
});
