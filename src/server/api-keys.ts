// API keys: many, each with an id, a SHA-256 hash (plain keys are hashed at load and never kept) and scopes.
// A presented key is hashed and compared with every stored hash in constant time, with no early exit.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { parse as parseYaml } from "yaml";

export const SCOPES = ["execute", "verify", "audit:read", "override", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
}

interface StoredKey extends ApiKey {
  readonly hash: Buffer;
}

export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiKeyConfigError";
  }
}

const MAX_KEY_LENGTH = 512;
const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function parseEntry(entry: unknown, index: number, seen: Set<string>): StoredKey {
  const where = `API key entry ${String(index)}`;
  if (typeof entry !== "object" || entry === null)
    throw new ApiKeyConfigError(`${where} must be an object {id, sha256 | key, scopes}`);
  const { id, sha256: digest, key, scopes } = entry as Record<string, unknown>;
  if (typeof id !== "string" || !KEY_ID.test(id))
    throw new ApiKeyConfigError(`${where}: "id" must be 1–64 of A-Z a-z 0-9 . _ : -`);
  if (seen.has(id)) throw new ApiKeyConfigError(`${where}: id "${id}" is used twice`);
  seen.add(id);
  let hash: Buffer;
  if (typeof digest === "string") {
    const hex = digest.startsWith("sha256:") ? digest.slice(7) : digest;
    if (!/^[0-9a-fA-F]{64}$/.test(hex))
      throw new ApiKeyConfigError(`${where} (${id}): "sha256" must be 64 hex digits`);
    hash = Buffer.from(hex, "hex");
  } else if (typeof key === "string" && key.length >= 16 && key.length <= MAX_KEY_LENGTH) {
    hash = sha256(key);
  } else {
    throw new ApiKeyConfigError(
      `${where} (${id}): give "sha256" (preferred) or a "key" of 16–${String(MAX_KEY_LENGTH)} characters`,
    );
  }
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((s) => (SCOPES as readonly unknown[]).includes(s))
  ) {
    throw new ApiKeyConfigError(`${where} (${id}): "scopes" must list some of ${SCOPES.join(", ")}`);
  }
  return { id, hash, scopes: new Set(scopes as Scope[]) };
}

/** Parses a JSON or YAML list of keys (or `{keys: [...]}`). */
export function parseApiKeys(text: string): StoredKey[] {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON
  } catch (error) {
    throw new ApiKeyConfigError(
      `the API keys file is neither JSON nor YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const list = Array.isArray(doc) ? doc : (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list))
    throw new ApiKeyConfigError("the API keys file must hold a list of {id, sha256 | key, scopes}");
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => parseEntry(entry, i, seen));
}

export function hasScope(key: ApiKey, scope: Scope): boolean {
  return key.scopes.has(scope) || key.scopes.has("admin");
}

export class ApiKeyRing {
  #keys: readonly StoredKey[];

  constructor(keys: readonly StoredKey[]) {
    this.#keys = keys;
  }

  static fromPlainKeys(
    entries: readonly { id: string; key: string; scopes: readonly Scope[] }[],
  ): ApiKeyRing {
    const seen = new Set<string>();
    return new ApiKeyRing(entries.map((e, i) => parseEntry(e, i, seen)));
  }

  get size(): number {
    return this.#keys.length;
  }

  replace(keys: readonly StoredKey[]): void {
    this.#keys = keys;
  }

  /** The key whose hash matches, comparing against every stored hash so that timing reveals nothing. */
  authenticate(presented: string): ApiKey | undefined {
    if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return undefined;
    const digest = sha256(presented);
    let found: StoredKey | undefined;
    for (const key of this.#keys) {
      if (timingSafeEqual(digest, key.hash) && !found) found = key;
    }
    return found && { id: found.id, scopes: found.scopes };
  }
}

export interface KeyFileWatch {
  stop(): void;
}

/**
 * Loads the key ring from a file and polls it for changes (a mounted Kubernetes Secret is swapped by
 * symlink, which file watchers miss). A change that does not parse keeps the previous keys.
 */
export async function loadApiKeyFile(
  path: string,
  onReload: (outcome: { ok: true; count: number } | { ok: false; error: string }) => void,
  intervalMs = 2_000,
): Promise<{ ring: ApiKeyRing; watch: KeyFileWatch }> {
  const read = async (): Promise<{ text: string; stamp: string }> => {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return {
      text,
      stamp: `${String(info.mtimeMs)}:${String(info.size)}:${createHash("sha256").update(text).digest("hex")}`,
    };
  };
  let current = await read().catch((error: unknown) => {
    throw new ApiKeyConfigError(
      `cannot read PARMANA_API_KEYS_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const ring = new ApiKeyRing(parseApiKeys(current.text));
  if (ring.size === 0) throw new ApiKeyConfigError(`${path} holds no API keys`);
  const timer = setInterval(() => {
    read()
      .then((next) => {
        if (next.stamp === current.stamp) return;
        current = next;
        const keys = parseApiKeys(next.text);
        if (keys.length === 0) throw new ApiKeyConfigError("the new API keys file holds no keys");
        ring.replace(keys);
        onReload({ ok: true, count: keys.length });
      })
      .catch((error: unknown) => {
        onReload({ ok: false, error: error instanceof Error ? error.message : String(error) });
      });
  }, intervalMs);
  timer.unref();
  return {
    ring,
    watch: {
      stop: () => {
        clearInterval(timer);
      },
    },
  };
}
