// A real governance server for integration tests: real Redis and Postgres (a fresh database per server),
// its own signing key, API keys for every scope, the example policy built and signed with a test key, and a
// tampered bundle that must never be served.
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import pg from "pg";
import { eventually } from "./kube.ts";
import { loadServerConfig, startServer, type RunningServer } from "../../src/server/index.ts";
import { ParmanaClient } from "../../src/client/index.ts";
import { buildBundleDirectory } from "../../src/bundle/index.ts";
import { generateSigningKeyPair, parseSigningKey } from "../../src/crypto/index.ts";
import { postgresService, redisService, usingService } from "./services.ts";
import { EXAMPLE_POLICY_DIR } from "./bundles.ts";
import { fileURLToPath } from "node:url";
import { pino } from "pino";

export interface TestServerFiles {
  readonly dir: string;
  readonly policiesRoot: string;
  readonly trustedKeysDir: string;
  readonly signingKeyPath: string;
  readonly apiKeysFile: string;
  readonly keys: Readonly<Record<"admin" | "executor" | "verifier" | "auditor" | "approver", string>>;
  readonly keyIds: Readonly<Record<"admin" | "executor" | "verifier" | "auditor" | "approver", string>>;
  readonly signingPublicKeyPem: string;
  /** The private key the bundles under policiesRoot are signed with (to add another bundle). */
  readonly bundleSigningKeyPem: string;
}

/** Keys, bundles and key files on disk, as an operator would provide them. */
export async function writeServerFiles(t: TestContext): Promise<TestServerFiles> {
  const dir = await mkdtemp(join(tmpdir(), "parmana-server-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const suffix = randomBytes(4).toString("hex");
  const bundleSigner = generateSigningKeyPair();
  const attestationSigner = generateSigningKeyPair();
  const trustedKeysDir = join(dir, "trusted");
  await mkdir(trustedKeysDir);
  await writeFile(join(trustedKeysDir, "bundle-signer.pub"), bundleSigner.publicKeyPem);
  const signingKeyPath = join(dir, "attestation-signer.key");
  await writeFile(signingKeyPath, attestationSigner.privateKeyPem, { mode: 0o600 });

  const policiesRoot = join(dir, "policies");
  const good = join(policiesRoot, "loan-approval", "1.2.0");
  await mkdir(good, { recursive: true });
  await cp(new URL("policy.json", EXAMPLE_POLICY_DIR), join(good, "policy.json"));
  await buildBundleDirectory(good, parseSigningKey(bundleSigner.privateKeyPem));
  // 1.1.0 is signed, then tampered with: it must fail verification and never be served.
  const tampered = join(policiesRoot, "loan-approval", "1.1.0");
  await mkdir(tampered, { recursive: true });
  const policy = JSON.parse(
    await readFile(fileURLToPath(new URL("policy.json", EXAMPLE_POLICY_DIR)), "utf8"),
  ) as Record<string, unknown>;
  await writeFile(join(tampered, "policy.json"), JSON.stringify({ ...policy, policyVersion: "1.1.0" }));
  await buildBundleDirectory(tampered, parseSigningKey(bundleSigner.privateKeyPem));
  await writeFile(
    join(tampered, "policy.json"),
    JSON.stringify({ ...policy, policyVersion: "1.1.0", rules: (policy["rules"] as unknown[]).slice(-1) }),
  );

  const names = ["admin", "executor", "verifier", "auditor", "approver"] as const;
  const scopes = {
    admin: ["admin"],
    executor: ["execute"],
    verifier: ["verify"],
    auditor: ["audit:read"],
    approver: ["override"],
  };
  const keys = Object.fromEntries(
    names.map((n) => [n, `pk_test_${n}_${randomBytes(16).toString("hex")}`]),
  ) as Record<(typeof names)[number], string>;
  const keyIds = Object.fromEntries(names.map((n) => [n, `${n}-${suffix}`])) as Record<
    (typeof names)[number],
    string
  >;
  const apiKeysFile = join(dir, "api-keys.yaml");
  await writeFile(
    apiKeysFile,
    names
      .map(
        (n) =>
          `- id: ${keyIds[n]}\n  key: ${keys[n]}\n  scopes: [${scopes[n].map((s) => `"${s}"`).join(", ")}]\n`,
      )
      .join(""),
  );
  return {
    dir,
    policiesRoot,
    trustedKeysDir,
    signingKeyPath,
    apiKeysFile,
    keys,
    keyIds,
    signingPublicKeyPem: attestationSigner.publicKeyPem,
    bundleSigningKeyPem: bundleSigner.privateKeyPem,
  };
}

/** A fresh, empty Postgres database on the test cluster, and how to drop it. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const service = postgresService();
  const name = `parmana_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: service.url });
  await usingService(service, async () => {
    await admin.connect();
    await admin.query(`create database ${name}`);
  });
  const url = new URL(service.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** A fresh, empty Postgres database on the test cluster, dropped when the test ends. */
export async function freshDatabase(t: TestContext): Promise<string> {
  const db = await createDatabase();
  t.after(db.drop);
  return db.url;
}

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly files: TestServerFiles;
  readonly databaseUrl: string;
  readonly env: Readonly<Record<string, string>>;
  client(key: keyof TestServerFiles["keys"]): ParmanaClient;
}

/** The environment a `parmana server` needs for these files, Redis and database. */
export function serverEnv(
  files: TestServerFiles,
  databaseUrl: string,
  redisUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    METRICS_PORT: "0",
    DASHBOARD_PORT: "0",
    REDIS_URL: redisUrl,
    AUDIT_DATABASE_URL: databaseUrl,
    PARMANA_API_KEYS_FILE: files.apiKeysFile,
    PARMANA_POLICIES_ROOT: files.policiesRoot,
    PARMANA_TRUSTED_KEYS_DIR: files.trustedKeysDir,
    PARMANA_SIGNING_PRIVATE_KEY_PATH: files.signingKeyPath,
    LOG_LEVEL: "silent",
    // Tests share one Redis: each server keeps its own rate-limit budget.
    PARMANA_RATE_LIMIT_NAMESPACE: `parmana:ratelimit:${randomBytes(6).toString("hex")}:`,
    ...extra,
  };
}

export async function startTestServer(
  t: TestContext,
  options: {
    env?: Record<string, string>;
    redisUrl?: string;
    databaseUrl?: string;
    files?: TestServerFiles;
  } = {},
): Promise<TestServer> {
  const files = options.files ?? (await writeServerFiles(t));
  const databaseUrl = options.databaseUrl ?? (await freshDatabase(t));
  const env = serverEnv(files, databaseUrl, options.redisUrl ?? redisService().url, options.env);
  const config = loadServerConfig(env);
  // PARMANA_TEST_LOG_LEVEL in `env` shows the server's log while debugging a test.
  const logLevel = options.env?.["PARMANA_TEST_LOG_LEVEL"] ?? "silent";
  const server = await startServer(config, { logger: pino({ level: logLevel }) });
  t.after(() => server.close());

  return {
    server,
    url: server.url,
    files,
    databaseUrl,
    env,
    client: (key) => new ParmanaClient({ baseUrl: server.url, apiKey: files.keys[key] }),
  };
}

export function executeBody(
  executionId: string,
  signals: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    executionId,
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    signals: { credit_score: 720, country: "US", flagged: false, amount: 1000, ...signals },
  };
}

/**
 * Other signals than executeBody's defaults: the same executionId with these is a replay (INV-013 and a
 * replay_attempt); with the same signals it is a retry, answered with the original decision.
 */
export const REPLAY_SIGNALS = { amount: 2_000 } as const;

/** Signals the example policy sends to manual review (its decision requires an override). */
export const REVIEW_SIGNALS = { country: "IN", amount: 75_000 } as const;

/** An /override body approving (or rejecting) `executionId`. */
export function overrideBody(executionId: string, approved = true): Record<string, unknown> {
  return { executionId, approved, approvedBy: "alice", approverRole: "officer", reason: "reviewed" };
}

export function uniqueId(prefix = "exec"): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`;
}

/** POSTs JSON (or raw text) and returns status and parsed body. */
export async function post(
  url: string,
  key: string | undefined,
  body: unknown,
  raw = false,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key !== undefined && { authorization: `Bearer ${key}` }),
    },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    headers: response.headers,
  };
}

export async function get(
  url: string,
  key: string | undefined,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    headers: response.headers,
  };
}

/** Raises each of the five security event types once against a server started with PARMANA_RATE_LIMIT_EXECUTE=4. */
export async function raiseAllFive(url: string, keys: Record<string, string>): Promise<void> {
  const id = uniqueId();
  await post(`${url}/execute`, keys["executor"], executeBody(id));
  await post(`${url}/execute`, keys["executor"], executeBody(id, REPLAY_SIGNALS)); // replay_attempt
  const issued = await post(`${url}/execute`, keys["executor"], executeBody(uniqueId()));
  const attestation = issued.body["attestation"] as Record<string, unknown>;
  await post(`${url}/verify`, keys["verifier"], { attestation: { ...attestation, executionId: "forged" } }); // signature_failure
  await post(`${url}/execute`, keys["executor"], { ...executeBody(uniqueId()), policyVersion: "1.1.0" }); // invalid_policy
  await post(`${url}/execute`, keys["executor"], executeBody(uniqueId())); // rate_limit_exceeded (limit 4)
  await post(`${url}/execute`, undefined, executeBody(uniqueId())); // unauthorized_access
}

/** The security events stored once all five types are there (after raiseAllFive). */
export async function storedAllFive(s: TestServer): Promise<Record<string, unknown>[]> {
  return eventually("all five event types to be stored", async () => {
    const page = await s.client("auditor").audit.events({ limit: 100 });
    return new Set(page.events.map((e) => e["event_type"])).size === 5 ? page.events : undefined;
  });
}
