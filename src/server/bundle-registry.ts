// The bundles a server serves: every directory <root>/<policyId>/<policyVersion>/ that verifies against the
// trusted keys. One that fails is never active; requests naming it are INVALID_POLICY. A reload never
// replaces a verified bundle with a lower revision of the same version (ROLLBACK).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { verifyBundleDirectory, type TrustSet, type VerifiedBundle } from "../bundle/index.ts";

export interface BundleFailure {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly reason: string;
  readonly message: string;
}

export interface LoadReport {
  readonly active: number;
  readonly failures: readonly BundleFailure[];
}

const key = (policyId: string, policyVersion: string): string => `${policyId}\u0000${policyVersion}`;

async function directories(path: string): Promise<string[]> {
  return (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name);
}

export class BundleRegistry {
  readonly #root: string;
  readonly #trust: TrustSet;
  #active = new Map<string, VerifiedBundle>();
  #failed = new Map<string, BundleFailure>();
  readonly #highestRevision = new Map<string, number>();

  constructor(root: string, trust: TrustSet) {
    this.#root = root;
    this.#trust = trust;
  }

  /** Verifies every bundle under the root; the set of active bundles is swapped in at the end. */
  async load(): Promise<LoadReport> {
    const active = new Map<string, VerifiedBundle>();
    const failed = new Map<string, BundleFailure>();
    for (const policyId of await directories(this.#root)) {
      for (const policyVersion of await directories(join(this.#root, policyId))) {
        const id = key(policyId, policyVersion);
        const highest = this.#highestRevision.get(id);
        const result = await verifyBundleDirectory(join(this.#root, policyId, policyVersion), {
          trust: this.#trust,
          expect: { policyId, policyVersion },
          ...(highest !== undefined && { highestAcceptedRevision: highest }),
        });
        if (result.ok) {
          active.set(id, result.bundle);
          this.#highestRevision.set(id, Math.max(highest ?? 0, result.bundle.revision));
        } else {
          failed.set(id, { policyId, policyVersion, reason: result.reason, message: result.message });
          // A bad update of a verified version keeps the last good one serving.
          const previous = this.#active.get(id);
          if (previous) active.set(id, previous);
        }
      }
    }
    this.#active = active;
    this.#failed = failed;
    return { active: active.size, failures: [...failed.values()] };
  }

  find(policyId: string, policyVersion: string): VerifiedBundle | undefined {
    return this.#active.get(key(policyId, policyVersion));
  }

  failure(policyId: string, policyVersion: string): BundleFailure | undefined {
    return this.#failed.get(key(policyId, policyVersion));
  }

  list(): VerifiedBundle[] {
    return [...this.#active.values()].sort((a, b) =>
      key(a.policyId, a.policyVersion).localeCompare(key(b.policyId, b.policyVersion)),
    );
  }

  get size(): number {
    return this.#active.size;
  }
}
