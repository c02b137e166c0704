// Throwaway signed bundles for tests, built with the product's own build code in a temporary directory.
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { generateSigningKeyPair, parseSigningKey, type SigningKey } from "../../src/crypto/index.ts";
import {
  buildBundleDirectory,
  createTrustSet,
  type BuildOptions,
  type TrustSet,
} from "../../src/bundle/index.ts";

export const EXAMPLE_POLICY_DIR = new URL(
  "../../deploy/examples/policies/loan-approval/1.2.0/",
  import.meta.url,
);

export function newSigningKey(): SigningKey {
  return parseSigningKey(generateSigningKeyPair().privateKeyPem);
}

export function trustOf(keys: readonly SigningKey[], threshold = 1): TrustSet {
  return createTrustSet(
    keys.map((k) => ({ key: k.publicKey })),
    threshold,
  );
}

export async function examplePolicy(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL("policy.json", EXAMPLE_POLICY_DIR), "utf8")) as Record<
    string,
    unknown
  >;
}

export interface TestBundle {
  /** policies/<policyId>/<policyVersion>/ */
  readonly dir: string;
  /** The temporary root, deleted when the test ends. */
  readonly root: string;
  readonly key: SigningKey;
}

/** Writes a policy (default: the example) plus extra files, and builds and signs it with a new key. */
export async function makeBundle(
  t: TestContext,
  options: {
    policy?: Record<string, unknown>;
    extraFiles?: Record<string, string>;
    key?: SigningKey;
    build?: BuildOptions;
  } = {},
): Promise<TestBundle> {
  const policy = options.policy ?? (await examplePolicy());
  const root = await mkdtemp(join(tmpdir(), "parmana-bundle-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, "policies", String(policy["policyId"]), String(policy["policyVersion"]));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "policy.json"), JSON.stringify(policy, null, 2));
  for (const [path, content] of Object.entries(options.extraFiles ?? {})) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const key = options.key ?? newSigningKey();
  await buildBundleDirectory(dir, key, options.build);
  return { dir, root, key };
}
