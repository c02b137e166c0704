// How the integration tests find the real services that test/infra/up started, and how a failure to reach
// one is reported: always naming the service, its address and its log, so that a stopped service reads as
// exactly that and never as a skip or a bare ECONNREFUSED.
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { AssertionError } from "node:assert";

export interface PostgresService {
  readonly name: "Postgres";
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly log: string;
}

export interface RedisService {
  readonly name: "Redis";
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly log: string;
}

export interface KafkaService {
  readonly name: "Kafka";
  readonly brokers: readonly string[];
  readonly log: string;
  /** The broker's Java classpath (with Kafka's own tools), for a consumer that is not kafkajs. */
  readonly classpath: string;
}

export interface KubernetesService {
  readonly name: "Kubernetes";
  /** Admin kubeconfig (client certificate in system:masters). */
  readonly kubeconfig: string;
  readonly server: string;
  /** Where helm, promtool, kwok and the control plane's binaries are. */
  readonly bin: string;
  readonly log: string;
  /** Folder holding every control-plane component's log. */
  readonly logs: string;
  /** The cluster's CA, serving and service-account keys (for a second API server in a test). */
  readonly pki: string;
  /** etcd's client URL. */
  readonly etcd: string;
}

export type Service = PostgresService | RedisService | KafkaService | KubernetesService;

const displayNames = {
  postgres: "Postgres",
  redis: "Redis",
  "redis-sentinel": "Redis Sentinel",
  "redis-cluster": "Redis Cluster",
  kafka: "Kafka",
  otelcol: "the OpenTelemetry Collector",
  k8s: "Kubernetes",
  node: "the real node",
  browser: "Chromium",
  schemathesis: "Schemathesis",
} as const;
type ServiceKey = keyof typeof displayNames;

export function infraRunDir(): string {
  return process.env["PARMANA_INFRA_RUN"] ?? `/tmp/parmana-test-infra-${String(userInfo().uid)}`;
}

function readDescription(key: ServiceKey): Record<string, unknown> {
  const file = join(infraRunDir(), `${key}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `${displayNames[key]} is not running for the tests (no ${file}); start it with: test/infra/up ${key}`,
    );
  }
  return JSON.parse(text) as Record<string, unknown>;
}

export function postgresService(): PostgresService {
  return { name: "Postgres", ...(readDescription("postgres") as Omit<PostgresService, "name">) };
}

export function redisService(): RedisService {
  return { name: "Redis", ...(readDescription("redis") as Omit<RedisService, "name">) };
}

/** A node of a replicated Redis: its port and the folder with its redis.conf, redis.pid and redis.log. */
export interface RedisNodeProcess {
  readonly port: number;
  readonly dir: string;
}

export interface RedisSentinelService {
  readonly url: string;
  readonly master: string;
  readonly nodes: readonly RedisNodeProcess[];
  readonly sentinels: readonly RedisNodeProcess[];
}

export interface RedisClusterService {
  readonly url: string;
  readonly nodes: readonly RedisNodeProcess[];
}

/** A primary, two replicas and three sentinels (test/infra/up redis-sentinel). */
export function redisSentinelService(): RedisSentinelService {
  return readDescription("redis-sentinel") as unknown as RedisSentinelService;
}

/** Three primaries and three replicas (test/infra/up redis-cluster). */
export function redisClusterService(): RedisClusterService {
  return readDescription("redis-cluster") as unknown as RedisClusterService;
}

export function kafkaService(): KafkaService {
  return { name: "Kafka", ...(readDescription("kafka") as Omit<KafkaService, "name">) };
}

/** A real OpenTelemetry Collector (test/infra/otelcol): OTLP/HTTP in, OTLP JSON lines out (file exporter). */
export interface OtelCollectorService {
  readonly logsUrl: string;
  readonly tracesUrl: string;
  /** The file exporter's output: one OTLP JSON export request per line. */
  readonly logs: string;
  readonly traces: string;
  readonly log: string;
}

export function otelCollectorService(): OtelCollectorService {
  return readDescription("otelcol") as unknown as OtelCollectorService;
}

export function kubernetesService(): KubernetesService {
  return { name: "Kubernetes", ...(readDescription("k8s") as Omit<KubernetesService, "name">) };
}

/** The real node (test/infra/up node): a kubelet in network namespace `netns`, where the e2e tests run. */
export interface NodeService {
  readonly netns: string;
  readonly name: string;
  readonly ip: string;
  readonly podCidr: string;
  /** The node's taint key (also a label with value "true"): only pods tolerating it run there. */
  readonly taint: string;
  /** The node's containerd socket (namespace k8s.io), for exec into a container. */
  readonly containerd: string;
  /** Redis and the audit Postgres as pods (and the tests, inside the namespace) reach them. */
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly logs: string;
  /** The kubelet's podLogsDir: <namespace>_<pod>_<uid>/<container>/<restart>.log */
  readonly podLogs: string;
  readonly log: string;
}

export function nodeService(): NodeService {
  return readDescription("node") as unknown as NodeService;
}

export function serviceAddress(service: Service): string {
  switch (service.name) {
    case "Kafka":
      return service.brokers.join(",");
    case "Kubernetes":
      return service.server;
    default:
      return `${service.host}:${String(service.port)}`;
  }
}

/** An error from talking to a real service, with the service named in its message. */
export class ServiceUnavailableError extends Error {
  constructor(service: Service, cause: unknown) {
    const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
    super(
      `${service.name} at ${serviceAddress(service)} failed: ${reason} ` +
        `(is it running? test/infra/up; its log: ${service.log})`,
      { cause },
    );
    this.name = "ServiceUnavailableError";
  }
}

/**
 * Runs `work` against `service`; any error other than a failed assertion is rethrown naming the service.
 */
export async function usingService<T>(service: Service, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AssertionError || error instanceof ServiceUnavailableError) throw error;
    throw new ServiceUnavailableError(service, error);
  }
}

/** Debian's Chromium, installed by `test/infra/up browser`. */
export function chromiumExecutable(): string {
  return String(readDescription("browser")["executable"]);
}

/** Schemathesis's `st`, installed by `test/infra/up schemathesis`. */
export function schemathesisBinary(): string {
  return String(readDescription("schemathesis")["st"]);
}
