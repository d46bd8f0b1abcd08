// Loads a poa reward manifest (a StandardMerkleTree dump, format standard-v1, plus epoch fields)
// with OpenZeppelin's @openzeppelin/merkle-tree, checks the tree and the recorded root, and
// verifies the proof of every leaf. Exit 0 and a summary line when all hold; 1 otherwise.
//   node tools/merkle-check/verify.mjs manifest.json [more.json ...]
import { readFileSync } from "node:fs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

let failed = false;
for (const file of process.argv.slice(2)) {
  const dump = JSON.parse(readFileSync(file, "utf8"));
  const tree = StandardMerkleTree.load(dump);
  tree.validate(); // recomputes every node from the leaves
  let proofs = 0;
  for (const [i, value] of tree.entries()) {
    if (!StandardMerkleTree.verify(tree.root, dump.leafEncoding, value, tree.getProof(i))) {
      console.error(`${file}: proof of leaf ${i} (${value}) does not verify`);
      failed = true;
    }
    proofs++;
  }
  if (dump.root !== undefined && dump.root !== tree.root) {
    console.error(`${file}: recorded root ${dump.root} != tree root ${tree.root}`);
    failed = true;
  }
  console.log(`${file}: root ${tree.root}, ${proofs} proofs verified by @openzeppelin/merkle-tree`);
}
process.exit(failed ? 1 : 0);
