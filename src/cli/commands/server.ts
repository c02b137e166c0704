// parmana server | parmana dev: run the governance server (production configuration, or embedded defaults).
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { KeyError } from "../../crypto/index.ts";
import { TrustConfigError } from "../../bundle/index.ts";
import {
  ApiKeyConfigError,
  ConfigError,
  configSource,
  createLogger,
  exitOnSignals,
  loadServerConfig,
  startServer,
} from "../../server/index.ts";
import { isClusterWorker, runPrimary, runWorker } from "../../server/cluster.ts";
import { ExitCode, UsageError, type CliIo } from "../io.ts";

export const SERVER_USAGE = `Usage: parmana server [--config FILE]

Runs the governance server with its production configuration, read from the environment (and FILE, a JSON
object of the same variable names): REDIS_URL, AUDIT_DATABASE_URL, PARMANA_API_KEYS_FILE,
PARMANA_POLICIES_ROOT, PARMANA_TRUSTED_KEYS_DIR, PARMANA_SIGNING_PRIVATE_KEY_PATH, PORT, ... (see README).
Refuses to start, naming what is missing, without Redis, API keys, a signing key and verified bundles.`;

export const DEV_USAGE = `Usage: parmana dev [--port N] [--host ADDR]

Runs the governance server on embedded defaults: an in-process audit database (PGlite), an in-memory replay
store, a generated signing key, the example bundle, and one API key with every scope (PARMANA_API_KEY, or a
generated one). Prints the URL and the key once ready. For trying things out, never for production.`;

function fail(io: CliIo, error: unknown): number {
  if (
    error instanceof ConfigError ||
    error instanceof ApiKeyConfigError ||
    error instanceof KeyError ||
    error instanceof TrustConfigError
  ) {
    io.err(`parmana: ${error.message}`);
    return ExitCode.usage;
  }
  throw error;
}

/** Resolves only when the process is told to stop (exitOnSignals exits it). */
function forever(): Promise<number> {
  return new Promise<number>(() => undefined);
}

export async function serverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: "string" } } });
  try {
    const config = loadServerConfig(
      configSource({ ...process.env, NODE_ENV: process.env["NODE_ENV"] ?? "production" }, values.config),
    );
    const logger = createLogger(config.logLevel);
    if (config.workers > 1) {
      if (isClusterWorker()) {
        await runWorker(config, logger);
      } else {
        const { url, metricsUrl } = await runPrimary(config, logger);
        logger.info({ url, metrics: metricsUrl, workers: config.workers }, "parmana server listening");
      }
      return await forever();
    }
    const server = await startServer(config, { logger });
    logger.info(
      { url: server.url, metrics: server.metricsUrl, dashboard: server.dashboardUrl },
      "parmana server listening",
    );
    exitOnSignals(server, { graceMs: config.shutdownGraceMs, drainMs: config.shutdownDrainMs }, logger);
  } catch (error) {
    return fail(io, error);
  }
  return forever();
}

export async function devCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { port: { type: "string" }, host: { type: "string" } },
  });
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port))
    throw new UsageError("--port must be a port number");
  const given = process.env["PARMANA_API_KEY"];
  const apiKey =
    given !== undefined && given !== "" ? given : `pk_dev_${randomBytes(24).toString("base64url")}`;
  if (apiKey.length < 16 || apiKey.length > 512 || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new UsageError("PARMANA_API_KEY must be 16–512 printable characters without spaces");
  }
  try {
    const config = loadServerConfig({
      LOG_LEVEL: "warn",
      ...process.env,
      HOST: values.host ?? process.env["HOST"] ?? "127.0.0.1",
      ...(values.port !== undefined && { PORT: values.port }),
      PARMANA_AUDIT_REQUIRED: "true",
      NODE_ENV: "development",
    });
    const logger = createLogger(config.logLevel);
    const server = await startServer(config, { logger, dev: { apiKey } });
    io.out(`Parmana governance server (dev: embedded audit DB, in-memory replay store, example bundle)`);
    io.out(`URL: ${server.url}`);
    io.out(`API key: ${apiKey}`);
    io.out(`Metrics: ${server.metricsUrl}`);
    if (server.dashboardUrl !== undefined) io.out(`Dashboard: ${server.dashboardUrl} (sign in with the key)`);
    io.out("");
    io.out("Try:");
    io.out(
      `  curl -s -X POST ${server.url}/execute -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\`,
    );
    io.out(
      `    -d '{"executionId":"loan-1","policyId":"loan-approval","policyVersion":"1.2.0","signals":{"credit_score":720,"country":"US","flagged":false,"amount":1000}}'`,
    );
    io.out(`  curl -s "${server.url}/audit/security?limit=50" -H "Authorization: Bearer ${apiKey}"`);
    exitOnSignals(server, { graceMs: config.shutdownGraceMs, drainMs: config.shutdownDrainMs }, logger);
  } catch (error) {
    return fail(io, error);
  }
  return forever();
}
