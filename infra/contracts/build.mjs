// Compiles src/*.sol with the pinned solc (npm "solc", the Solidity team's JS build) and writes
// build/<Contract>.json ({contract, compiler, abi, bytecode}). With --check, compiles and fails if
// the committed build/ files differ from what the sources give (CI runs this).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = path.dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes("--check");
const sources = {};
for (const f of fs.readdirSync(path.join(here, "src")).filter((f) => f.endsWith(".sol")).sort()) {
  sources[`src/${f}`] = { content: fs.readFileSync(path.join(here, "src", f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
function findImports(p) {
  const file = path.join(here, "node_modules", p);
  return fs.existsSync(file) ? { contents: fs.readFileSync(file, "utf8") } : { error: "not found: " + p };
}
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
let stale = 0;
for (const [file, contracts] of Object.entries(out.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!file.startsWith("src/")) continue;
    const artifact = JSON.stringify({ contract: name, source: file, compiler: "solc " + solc.version(),
      abi: c.abi, bytecode: "0x" + c.evm.bytecode.object }, null, 2) + "\n";
    const target = path.join(here, "build", name + ".json");
    if (check) {
      const committed = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
      if (committed !== artifact) {
        console.error(`build/${name}.json does not match ${file}: run 'npm run build --prefix infra/contracts' and commit it`);
        stale++;
      }
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, artifact);
      console.log(`build/${name}.json (${c.evm.bytecode.object.length / 2} bytes of bytecode)`);
    }
  }
}
if (check) {
  if (stale) process.exit(1);
  console.log("contract artifacts match their sources (" + solc.version() + ")");
}
