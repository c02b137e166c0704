// The in-process tier: the real app (every plugin, route and hook) through `app.inject`, on the embedded
// database (PGlite) and the in-memory replay store, with a generated signing key and an API key per scope.
// No port is opened and no service is needed. `overrides` replaces parts of the context: a failing port, a
// forgetful replay store, a fixed clock.
import type { TestContext } from "node:test";
import { pino } from "pino";
import {
  ApiKeyRing,
  buildApp,
  composeServer,
  loadServerConfig,
  type App,
  type ServerContext,
} from "../../src/server/index.ts";
import { writeServerFiles, type TestServerFiles } from "./server.ts";

export interface InjectedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: Record<string, unknown>;
}

export interface InProcessApp {
  readonly app: App;
  readonly context: ServerContext;
  readonly files: TestServerFiles;
  readonly keys: TestServerFiles["keys"];
  /** A JSON request through app.inject; `key` becomes the bearer token. */
  call(method: "GET" | "POST", path: string, key?: string, body?: unknown): Promise<InjectedResponse>;
  /** A POST whose body is sent exactly as given, with this content type. */
  raw(path: string, key: string, payload: string, contentType?: string): Promise<InjectedResponse>;
  /** The security events stored so far (after the event bus has flushed). */
  storedEvents(): Promise<Record<string, unknown>[]>;
}

const SCOPE_OF = {
  admin: "admin",
  executor: "execute",
  verifier: "verify",
  auditor: "audit:read",
  approver: "override",
} as const;

export async function build(
  t: TestContext,
  overrides: (context: ServerContext) => Partial<ServerContext> = () => ({}),
  env: Readonly<Record<string, string>> = {},
): Promise<InProcessApp> {
  const files = await writeServerFiles(t);
  const config = loadServerConfig({
    LOG_LEVEL: "silent",
    DASHBOARD_ENABLED: "false",
    PARMANA_POLICIES_ROOT: files.policiesRoot,
    PARMANA_TRUSTED_KEYS_DIR: files.trustedKeysDir,
    ...env,
  });
  const logger = pino({ level: "silent" });
  const { context: composed, resources } = await composeServer(config, logger, {
    apiKey: "pk_dev_unused_in_tests_000",
  });
  t.after(() => resources.close());
  const keys = ApiKeyRing.fromPlainKeys(
    (Object.keys(files.keys) as (keyof TestServerFiles["keys"])[]).map((name) => ({
      id: files.keyIds[name],
      key: files.keys[name],
      scopes: [SCOPE_OF[name]],
    })),
  );
  const base: ServerContext = { ...composed, keys };
  const context: ServerContext = { ...base, ...overrides(base) };
  const app = await buildApp(context, { logger });
  t.after(() => app.close());
  const send = async (
    method: "GET" | "POST",
    path: string,
    key: string | undefined,
    payload: string | undefined,
    contentType: string,
  ): Promise<InjectedResponse> => {
    const response = await app.inject({
      method,
      url: path,
      headers: {
        ...(key !== undefined && { authorization: `Bearer ${key}` }),
        ...(payload !== undefined && { "content-type": contentType }),
      },
      ...(payload !== undefined && { payload }),
    });
    const text = response.body;
    return {
      status: response.statusCode,
      headers: response.headers,
      body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  const call: InProcessApp["call"] = (method, path, key, body) =>
    send(method, path, key, body === undefined ? undefined : JSON.stringify(body), "application/json");
  return {
    app,
    context,
    files,
    keys: files.keys,
    call,
    raw: (path, key, payload, contentType = "application/json") =>
      send("POST", path, key, payload, contentType),
    storedEvents: async () => {
      await context.events.flush();
      const page = await context.audit?.securityEvents({ limit: 500 });
      return (page?.items ?? []) as unknown as Record<string, unknown>[];
    },
  };
}
