// The governance server: fastify app, composition for production and dev, configuration.
export { buildApp, type App, type BuildOptions } from "./app.ts";
export {
  startServer,
  exitOnSignals,
  createLogger,
  EXAMPLES_DIR,
  type RunningServer,
  type DevSetup,
} from "./start.ts";
export {
  loadServerConfig,
  configSource,
  missingForProduction,
  ConfigError,
  type ServerConfig,
  type RateLimits,
} from "./config.ts";
export {
  ApiKeyRing,
  ApiKeyConfigError,
  parseApiKeys,
  loadApiKeyFile,
  hasScope,
  SCOPES,
  type ApiKey,
  type Scope,
} from "./api-keys.ts";
export { BundleRegistry, type BundleFailure, type LoadReport } from "./bundle-registry.ts";
export { createServerMetrics, type ServerMetrics } from "./metrics.ts";
export { runtimeIdentity, type RuntimeIdentity } from "./runtime.ts";
export { ApiError, ErrorCode } from "./errors.ts";
export type { ServerContext } from "./context.ts";
export { composeServer, type Composition } from "./compose.ts";
export { ResourceStack } from "./resource-stack.ts";
