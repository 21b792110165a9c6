// Behaves like the native `solc` binary for the two calls build tools make:
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths ...] < input.json
// solc-js's own CLI prints a ">>>" banner on stdout before the JSON, which breaks
// forge, so we call solc.compile() directly.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require(path.join(__dirname, "..", "node_modules", "solc"));

const args = process.argv.slice(2);
if (args.includes("--version")) {
  const v = solc.version(); // e.g. 0.8.37+commit.f401782d.Emscripten.clang
  process.stdout.write("solc, the solidity compiler commandline interface\nVersion: " + v + "\n");
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("tools/solc: only --version and --standard-json are supported\n");
  process.exit(2);
}
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--base-path" || args[i] === "--include-path") roots.push(args[++i]);
  else if (args[i] === "--allow-paths") i++;
}
if (roots.length === 0) roots.push(process.cwd());

function findImports(p) {
  const candidates = path.isAbsolute(p) ? [p] : roots.map((r) => path.resolve(r, p));
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, "utf8") };
  }
  return { error: "File not found: " + p + " (searched " + roots.join(", ") + ")" };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
