// bench/crypto: attestation sign/verify throughput against raw node:crypto Ed25519 with a cached KeyObject in
// the same run (the goal: within 15% of raw), and the time to verify a 1 MiB bundle.
// Run: npm run bench:crypto   (prints a Markdown table for docs/benchmarks.md)
import { sign, verify } from "node:crypto";
import { cpus } from "node:os";
import {
  parseSigningKey,
  generateSigningKeyPair,
  signingMessage,
  SigningDomain,
} from "../../src/crypto/index.ts";
import { signAttestation, verifyAttestation } from "../../src/attest/index.ts";
import { sampleAttestationInput } from "../../test/support/attestations.ts";
import {
  buildManifest,
  serializeSignatureFile,
  signManifest,
  verifyBundleFiles,
  createTrustSet,
} from "../../src/bundle/index.ts";
import { canonicalize } from "../../src/crypto/index.ts";

const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
const input = sampleAttestationInput({ issuedAt: new Date() });

/** Runs `fn` repeatedly for `ms` after a warm-up; returns operations per second. */
function rate(fn: () => void, ms = 2000): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

const attestation = signAttestation(input, key);
const { signature, ...unsigned } = attestation;
const message = signingMessage(SigningDomain.attestation, unsigned);
const rawSignature = Buffer.from(signature, "base64");

// Alternate rounds so that drift on a shared machine hits both sides alike; report the median.
const rounds = 5;
const results: Record<string, number[]> = { rawSign: [], attSign: [], rawVerify: [], attVerify: [] };
for (let r = 0; r < rounds; r++) {
  results["rawSign"]?.push(rate(() => sign(null, message, key.privateKey)));
  results["attSign"]?.push(rate(() => signAttestation(input, key)));
  results["rawVerify"]?.push(rate(() => verify(null, message, key.publicKey.key, rawSignature)));
  results["attVerify"]?.push(rate(() => verifyAttestation(attestation, [key.publicKey])));
}
const median = (xs: number[] = []): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

// A 1 MiB bundle: policy.json plus 16 data files of 64 KiB.
const files = new Map<string, Uint8Array>([
  [
    "policy.json",
    Buffer.from(
      JSON.stringify({
        ...(JSON.parse(
          '{"policyId":"big","policyVersion":"1.0.0","schemaVersion":"1.0.0","signalsSchema":{"a":{"type":"boolean"}},"rules":[{"id":"default","condition":{"all":[]},"outcome":{"action":"approve","requires_override":false,"reason":"d"}}]}',
        ) as object),
      }),
    ),
  ],
]);
for (let i = 0; i < 16; i++)
  files.set(`data/part-${String(i).padStart(2, "0")}.bin`, Buffer.alloc(64 * 1024, i));
const manifest = buildManifest({
  policyId: "big",
  policyVersion: "1.0.0",
  revision: 1,
  issuedAt: new Date(),
  files,
  supportedSchemaVersions: ["1.0.0"],
});
files.set("bundle.manifest.json", Buffer.from(canonicalize(manifest)));
files.set("bundle.sig", Buffer.from(serializeSignatureFile([signManifest(manifest, key)])));
const trust = createTrustSet([{ key: key.publicKey }]);
const totalBytes = [...files.values()].reduce((s, f) => s + f.length, 0);
const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  const result = verifyBundleFiles(files, { trust });
  times.push(performance.now() - t0);
  if (!result.ok) throw new Error(`bench bundle failed to verify: ${result.reason}`);
}

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");
const pct = (ours: number, raw: number): string => `${((ours / raw) * 100).toFixed(1)}% of raw`;
console.log(
  `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; median of ${String(rounds)} alternating 2 s rounds.\n`,
);
console.log("| operation | ops/s | vs raw node:crypto |");
console.log("|---|---:|---:|");
console.log(`| raw Ed25519 sign (cached KeyObject, same message) | ${fmt(median(results["rawSign"]))} | — |`);
console.log(
  `| signAttestation (build + canonicalise + sign) | ${fmt(median(results["attSign"]))} | ${pct(median(results["attSign"]), median(results["rawSign"]))} |`,
);
console.log(`| raw Ed25519 verify (cached KeyObject) | ${fmt(median(results["rawVerify"]))} | — |`);
console.log(
  `| verifyAttestation (shape check + canonicalise + verify) | ${fmt(median(results["attVerify"]))} | ${pct(median(results["attVerify"]), median(results["rawVerify"]))} |`,
);
const sorted = [...times].sort((a, b) => a - b);
console.log(`\n| bundle verification | size | p50 | p99 |\n|---|---:|---:|---:|`);
console.log(
  `| verifyBundleFiles, 18 files | ${(totalBytes / 1048576).toFixed(2)} MiB | ${(sorted[25] ?? 0).toFixed(2)} ms | ${(sorted[49] ?? 0).toFixed(2)} ms |`,
);
