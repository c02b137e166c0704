// Reading keys and trust for commands, with errors that name the file.
import { readFile } from "node:fs/promises";
import { parseSigningKey, type SigningKey } from "../../crypto/index.ts";
import { loadTrustDirectory, type TrustSet } from "../../bundle/index.ts";
import { UsageError } from "../io.ts";

export async function loadSigningKeyFile(path: string | undefined): Promise<SigningKey> {
  if (path === undefined) throw new UsageError("--key FILE (an Ed25519 PKCS#8 PEM private key) is required");
  let pem: Buffer;
  try {
    pem = await readFile(path);
  } catch {
    throw new UsageError(`cannot read the signing key ${path}`);
  }
  try {
    return parseSigningKey(pem, path);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export async function loadTrust(dir: string | undefined, threshold: string | undefined): Promise<TrustSet> {
  if (dir === undefined)
    throw new UsageError("--trusted-keys DIR (a directory of *.pub public keys) is required");
  const n = threshold === undefined ? undefined : Number(threshold);
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 1))
    throw new UsageError("--threshold must be a whole number ≥ 1");
  try {
    return await loadTrustDirectory(dir, n);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
