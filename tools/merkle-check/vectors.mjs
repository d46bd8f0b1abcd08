// Prints StandardMerkleTree roots and dumps for given leaves, for cross-checking poa's Java tree:
//   node tools/merkle-check/vectors.mjs '[["0x11..11","5000000000000000000"], ...]'
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
const values = JSON.parse(process.argv[2]);
const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
console.log(JSON.stringify({ root: tree.root, dump: tree.dump() }));
