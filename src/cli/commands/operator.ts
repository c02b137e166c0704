// parmana operator: run the Kubernetes operator in-cluster (service account) or with a kubeconfig.
import { flushTracing } from "../../tracing/index.ts";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ExportConfigError,
  KafkaSink,
  OtlpSink,
  loadExportConfig,
  type ExportSink,
} from "../../export/index.ts";
import { FIELD_MANAGER, KubeClient, Operator, type AuditRetentionDefaults } from "../../operator/index.ts";
import { createLogger } from "../../server/index.ts";
import { ExitCode, UsageError, type CliIo } from "../io.ts";

export const OPERATOR_USAGE = `Usage: parmana operator [options]

Runs the operator: verifies PolicyBundles and runs GovernanceServers (see README "The operator").

Options:
  --kubeconfig FILE          a kubeconfig (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config)
  --namespace NS             watch one namespace (default: all)
  --metrics-port N           Prometheus /metrics, /healthz, /readyz (default 8080; 0 picks a free port)
  --concurrency N            keys reconciled in parallel per controller (default 4)
  --leader-elect BOOL        campaign for a Lease before reconciling (default true)
  --leader-election-namespace NS
                             where the Lease lives (default: POD_NAMESPACE, else the watched namespace, else default)
  --lease-duration SECONDS   default 15 (renew deadline 2/3 of it, retry period 2 s)
  --default-image IMAGE      image for GovernanceServers that name none

Security events the operator raises (invalid_policy) go to the sinks configured by the same
PARMANA_EXPORT_KAFKA_* and PARMANA_EXPORT_OTLP* variables as the server's.`;

function positive(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${String(min)}`);
  return n;
}

/** The --default-*-retention-days flags: days (0 keeps all), as far as given; the servers' own default else. */
function retentionDefaults(values: Record<string, string | boolean | undefined>): AuditRetentionDefaults {
  const days = (table: string): number | undefined => {
    const raw = values[`default-${table}-retention-days`];
    return typeof raw === "string" ? positive(`default-${table}-retention-days`, raw, 0, 0) : undefined;
  };
  const given = {
    apiAccessDays: days("api-access"),
    decisionsDays: days("decisions"),
    verificationsDays: days("verifications"),
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

/** The export sinks from PARMANA_EXPORT_* (undefined after printing a config error). */
function exportSinks(io: CliIo): ExportSink[] | undefined {
  try {
    const exportConfig = loadExportConfig(process.env);
    return [
      ...(exportConfig.kafka ? [new KafkaSink(exportConfig.kafka)] : []),
      ...(exportConfig.otlp ? [new OtlpSink({ ...exportConfig.otlp, serviceName: "parmana-operator" })] : []),
    ];
  } catch (error) {
    if (error instanceof ExportConfigError) {
      io.err(`parmana: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

export async function operatorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      "metrics-port": { type: "string" },
      concurrency: { type: "string" },
      "leader-elect": { type: "string" },
      "leader-election-namespace": { type: "string" },
      "lease-duration": { type: "string" },
      "default-image": { type: "string" },
      "default-api-access-retention-days": { type: "string" },
      "default-decisions-retention-days": { type: "string" },
      "default-verifications-retention-days": { type: "string" },
    },
  });
  const leaderElect = values["leader-elect"] ?? "true";
  if (leaderElect !== "true" && leaderElect !== "false")
    throw new UsageError("--leader-elect must be true or false");
  const leaseSeconds = positive("lease-duration", values["lease-duration"], 15, 2);
  const sinks = exportSinks(io);
  if (sinks === undefined) return ExitCode.usage;
  const kubeconfig = values.kubeconfig;
  if (kubeconfig !== undefined) readFileSync(kubeconfig); // a clear ENOENT before anything starts
  const client = KubeClient.load(kubeconfig, { fieldManager: FIELD_MANAGER });
  const logger = createLogger((process.env["LOG_LEVEL"] ?? "info") as "info");
  const namespace = values.namespace;
  const operator = new Operator({
    client,
    logger,
    ...(namespace !== undefined && { namespace }),
    concurrency: positive("concurrency", values.concurrency, 4),
    metricsPort: positive("metrics-port", values["metrics-port"], 8080, 0),
    exportSinks: sinks,
    ...(values["default-image"] !== undefined && { defaultImage: values["default-image"] }),
    auditRetentionDefaults: retentionDefaults(values),
    leaderElection:
      leaderElect === "true"
        ? {
            namespace:
              values["leader-election-namespace"] ?? process.env["POD_NAMESPACE"] ?? namespace ?? "default",
            leaseDurationMs: leaseSeconds * 1000,
            renewDeadlineMs: Math.floor((leaseSeconds * 1000 * 2) / 3),
            retryPeriodMs: Math.min(2_000, Math.floor((leaseSeconds * 1000) / 4)),
          }
        : false,
  });
  await operator.start();
  logger.info({ metrics: operator.metricsUrl, identity: operator.identity }, "parmana operator started");
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, "stopping: releasing the Lease and finishing the reconciles in flight");
      operator
        .stop()
        .catch((error: unknown) => {
          logger.error({ err: error }, "stop failed");
        })
        .finally(resolve);
    };
    process.once("SIGTERM", () => {
      stop("SIGTERM");
    });
    process.once("SIGINT", () => {
      stop("SIGINT");
    });
  });
  await flushTracing();
  return ExitCode.ok;
}
