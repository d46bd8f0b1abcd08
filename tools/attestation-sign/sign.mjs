// Signs poa validator attestations with ethers.js, one JSON line each, ready for `poa validations ingest`.
//
//   POA_VALIDATOR_KEY=0x... node sign.mjs --chain-id 31337 --contribution c_... --verdict valid \
//     --attested-at 2026-11-25T12:00:00Z [--contribution ... --verdict ... --attested-at ...]...
//
// The key comes from the environment (never an argument). The typed data is poa's (docs/rewards.md: attestations).
import { Wallet } from "ethers";

const args = process.argv.slice(2);
let chainId = null;
const records = [];
for (let i = 0; i < args.length; i += 2) {
  const [k, v] = [args[i], args[i + 1]];
  if (v === undefined) throw new Error(`${k} needs a value`);
  if (k === "--chain-id") chainId = BigInt(v);
  else if (k === "--contribution") records.push({ contributionId: v });
  else if (k === "--verdict") records[records.length - 1].verdict = v;
  else if (k === "--attested-at") records[records.length - 1].attestedAt = v;
  else throw new Error(`unknown option ${k}`);
}
if (chainId === null || records.length === 0) {
  console.error("usage: POA_VALIDATOR_KEY=0x... node sign.mjs --chain-id N --contribution C --verdict valid|invalid --attested-at T ...");
  process.exit(2);
}
const key = process.env.POA_VALIDATOR_KEY;
if (!key) {
  console.error("set POA_VALIDATOR_KEY to the validator's private key (0x hex)");
  process.exit(2);
}
const wallet = new Wallet(key);
const domain = { name: "poa", version: "1", chainId };
const types = {
  Attestation: [
    { name: "validator", type: "address" },
    { name: "contributionId", type: "string" },
    { name: "verdict", type: "string" },
    { name: "attestedAt", type: "uint64" },
  ],
};
for (const r of records) {
  const millis = Date.parse(r.attestedAt);
  if (Number.isNaN(millis) || millis % 1000 !== 0) throw new Error(`--attested-at ${r.attestedAt}: a whole second, ISO-8601`);
  const message = { validator: wallet.address, contributionId: r.contributionId, verdict: r.verdict, attestedAt: BigInt(millis / 1000) };
  const signature = await wallet.signTypedData(domain, types, message);
  console.log(JSON.stringify({ validator: wallet.address, contribution_id: r.contributionId, verdict: r.verdict, attested_at: r.attestedAt, signature }));
}
