// The bundles a server serves: every directory <root>/<policyId>/<policyVersion>/ that verifies against the
// trusted keys. One that fails is never active; requests naming it are INVALID_POLICY. The disk is re-verified
// while the server runs (watchBundles): a bundle that verified before and fails now (a file corrupted or
// altered on the pod's disk) is refused from then on, not served from memory, because what is on disk is no
// longer what was signed. A reload never accepts a lower revision of a version it has seen (ROLLBACK).
import { watch, type FSWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  keyExpiries,
  verifyBundleDirectory,
  type KeyExpiry,
  type TrustSet,
  type VerifiedBundle,
} from "../bundle/index.ts";

export interface BundleFailure {
  readonly policyId: string;
  readonly policyVersion: string;
  readonly reason: string;
  readonly message: string;
}

export interface LoadReport {
  readonly active: number;
  readonly failures: readonly BundleFailure[];
  /** Failures not seen by the previous load (or with another reason): each deserves one event. */
  readonly newFailures: readonly BundleFailure[];
  /** Whether the set of active bundles (by id, version and hash) differs from before. */
  readonly changed: boolean;
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

  /** The trusted keys with an expiry, and whether the active bundles depend on each (see keyExpiries). */
  keyExpiries(): KeyExpiry[] {
    return keyExpiries(this.#trust, [...this.#active.values()]);
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
        }
      }
    }
    const newFailures = [...failed].flatMap(([id, f]) => {
      const before = this.#failed.get(id);
      return before?.reason === f.reason && before.message === f.message ? [] : [f];
    });
    const fingerprint = (m: Map<string, VerifiedBundle>): string =>
      [...m]
        .map(([id, b]) => `${id}=${b.bundleHash}`)
        .sort()
        .join(",");
    const changed = fingerprint(active) !== fingerprint(this.#active);
    this.#active = active;
    this.#failed = failed;
    return { active: active.size, failures: [...failed.values()], newFailures, changed };
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

export interface BundleWatch {
  stop(): void;
}

/**
 * Re-verifies the bundles every `intervalMs`, and soon after anything under the root changes (a ConfigMap
 * update swaps a symlink; an edit writes a file). Loads never overlap; a change during one schedules one more.
 */
export function watchBundles(
  registry: BundleRegistry,
  root: string,
  intervalMs: number,
  onLoad: (report: LoadReport | Error) => void,
): BundleWatch {
  let running: Promise<void> | undefined;
  let again = false;
  let debounce: NodeJS.Timeout | undefined;
  const reload = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = registry
      .load()
      .then(onLoad, (error: unknown) => {
        onLoad(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  const timer = setInterval(reload, intervalMs);
  timer.unref();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(root, { recursive: true, persistent: false }, () => {
      clearTimeout(debounce);
      debounce = setTimeout(reload, 100);
      debounce.unref();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    // The periodic check still runs (a root that cannot be watched, e.g. on some network file systems).
  }
  return {
    stop: () => {
      clearInterval(timer);
      clearTimeout(debounce);
      watcher?.close();
    },
  };
}
