// The operator process: leader election, then informers for PolicyBundles, GovernanceServers and the
// Deployments and ConfigMaps it owns, watches on just the Secrets and ConfigMaps those refer to, feeding two
// work queues whose reconcilers converge the cluster. Events on related objects map back to the keys that
// depend on them. Metrics and health on one port.
import { serveMetrics, type MetricsServer } from "../http/index.ts";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { SecurityEventBus, type SecurityEvent } from "../events/index.ts";
import { atLeast, type ExportSink } from "../export/index.ts";
import { keyExpiries } from "../bundle/index.ts";
import { trustOf, type ObjectLookup } from "./bundle-source.ts";
import { EventRecorder } from "./events.ts";
import { governanceServerController } from "./controllers/governanceserver/index.ts";
import {
  FIELD_MANAGER,
  Manager,
  WaitingError,
  type Informer,
  type ReferencedObjects,
} from "./runtime/index.ts";
import {
  ResourceTypes,
  type ConfigMapObject,
  type DeploymentObject,
  type KubeClient,
  type KubeObject,
  type SecretObject,
} from "./kube/index.ts";
import { LeaderElector } from "./runtime/index.ts";
import { createOperatorMetrics, type OperatorMetrics, type TrustedKeyExpiry } from "./metrics.ts";
import { isVerified, policyBundleController } from "./controllers/policybundle/index.ts";
import { LABEL_MANAGED_BY, MANAGER, defaultImage, type AuditRetentionDefaults } from "./render.ts";
import type { GovernanceServer, PolicyBundle } from "./schema.ts";

/** A referenced object from its cache; a reconcile that reads one whose watch has not listed yet waits. */
function awaitReferenced<T extends KubeObject>(
  cache: ReferencedObjects<T>,
  namespace: string,
  name: string,
): T | undefined {
  if (cache.pending(namespace, name))
    throw new WaitingError(
      "ReferenceNotCached",
      `${cache.type.kind} ${namespace}/${name} is being watched; not listed yet`,
      250,
    );
  return cache.get(namespace, name);
}

export interface OperatorOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  /** Watch one namespace; undefined watches all. */
  readonly namespace?: string;
  readonly identity?: string;
  readonly concurrency?: number;
  /** false runs without leader election (one replica only). */
  readonly leaderElection?:
    | false
    | {
        namespace: string;
        name?: string;
        leaseDurationMs?: number;
        renewDeadlineMs?: number;
        retryPeriodMs?: number;
      };
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  readonly exportSinks?: readonly ExportSink[];
  readonly defaultImage?: string;
  /** Audit retention for GovernanceServers that do not set spec.audit.retention. */
  readonly auditRetentionDefaults?: AuditRetentionDefaults;
  readonly resyncMs?: number;
}

export class Operator {
  readonly metrics: OperatorMetrics;
  readonly identity: string;
  readonly #options: OperatorOptions;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #metricsServer: MetricsServer | undefined;
  #leading = false;
  #bus: SecurityEventBus | undefined;
  /** What the leader caches, for the metrics computed at scrape time; undefined while not leading. */
  #cached: { bundles: Informer<PolicyBundle & KubeObject>; lookup: ObjectLookup } | undefined;
  metricsUrl: string | undefined;

  constructor(options: OperatorOptions) {
    this.#options = options;
    this.identity = options.identity ?? `${hostname()}-${String(process.pid)}`;
    this.metrics = createOperatorMetrics(() => this.#trustedKeyExpiries());
  }

  get leading(): boolean {
    return this.#leading;
  }

  async start(): Promise<void> {
    await this.#serveMetrics();
    const sinks = this.#options.exportSinks ?? [];
    this.#bus =
      sinks.length > 0
        ? new SecurityEventBus({
            source: {
              component: "operator",
              instance: this.identity,
              ...(this.#options.namespace !== undefined && { namespace: this.#options.namespace }),
            },
            sinks: sinks.map((sink) => ({
              name: sink.name,
              write: (events: readonly SecurityEvent[]) =>
                sink.send(events.filter((e) => atLeast(e, sink.minSeverity))),
            })),
            coalesceWindowMs: 0,
            observer: {
              raised: (type, severity, n) => {
                this.metrics.securityEvents.inc({ event_type: type, severity }, n);
              },
            },
          })
        : undefined;
    const election = this.#options.leaderElection;
    if (election === false || election === undefined) {
      this.#leading = true;
      this.metrics.leader.set({ name: FIELD_MANAGER }, 1);
      this.#running = this.#lead(this.#stop.signal);
      return;
    }
    const elector = new LeaderElector(this.#options.client, {
      namespace: election.namespace,
      name: election.name ?? FIELD_MANAGER,
      identity: this.identity,
      leaseDurationMs: election.leaseDurationMs ?? 15_000,
      renewDeadlineMs: election.renewDeadlineMs ?? 10_000,
      retryPeriodMs: election.retryPeriodMs ?? 2_000,
      onError: (error) => {
        this.#options.logger.warn({ err: error }, "leader election: could not read or write the Lease");
      },
    });
    this.#running = elector.run(
      this.#stop.signal,
      (leading) => this.#lead(leading),
      (leader) => {
        this.#leading = leader;
        this.metrics.leader.set({ name: FIELD_MANAGER }, leader ? 1 : 0);
        this.#options.logger.info(
          { identity: this.identity, leader },
          leader ? "became the leader" : "stopped leading",
        );
      },
    );
  }

  /** Stops reconciling, releases the Lease, flushes raised events, closes the sinks and the metrics port. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#bus?.close();
    await Promise.all((this.#options.exportSinks ?? []).map((s) => s.close()));
    await this.#metricsServer?.close();
  }

  async #serveMetrics(): Promise<void> {
    const port = this.#options.metricsPort;
    if (port === undefined) return;
    this.#metricsServer = await serveMetrics(
      this.metrics.registry,
      this.#options.metricsHost ?? "0.0.0.0",
      port,
      {
        probes: true,
      },
    );
    this.metricsUrl = this.#metricsServer.url;
  }

  /** Everything a leader does, until `signal` aborts: the shared caches, the two controllers, the manager. */
  async #lead(signal: AbortSignal): Promise<void> {
    const { client, logger } = this.#options;
    const ns = this.#options.namespace;
    const manager = new Manager({
      client,
      namespace: ns,
      resyncMs: this.#options.resyncMs ?? 10 * 60_000,
      concurrency: this.#options.concurrency ?? 4,
      logger,
      observer: this.metrics.queueObserver,
      onList: (resource, reason) => {
        this.metrics.informerLists.inc({ resource, reason });
      },
      onReferenced: (resource, count) => {
        this.metrics.referencedObjects.set({ resource }, count);
      },
      onStarted: () => {
        logger.info({ namespace: ns ?? "(all)", identity: this.identity }, "operator reconciling");
      },
    });
    const bundles = manager.cache<PolicyBundle & KubeObject>(
      { type: ResourceTypes.policyBundle },
      { resync: true },
    );
    const servers = manager.cache<GovernanceServer & KubeObject>(
      { type: ResourceTypes.governanceServer },
      { resync: true },
    );
    const owned = `${LABEL_MANAGED_BY}=${MANAGER}`;
    // The bundle-set ConfigMaps the operator writes; the bundles' source ConfigMaps are referenced ones.
    const configMaps = manager.cache<ConfigMapObject>({
      type: ResourceTypes.configMap,
      labelSelector: owned,
    });
    const sourceConfigMaps = manager.referenced<ConfigMapObject>(ResourceTypes.configMap);
    const secrets = manager.referenced<SecretObject>(ResourceTypes.secret);
    const deployments = manager.cache<DeploymentObject>({
      type: ResourceTypes.deployment,
      labelSelector: owned,
    });
    const lookup: ObjectLookup = {
      configMap: (namespace, name) => awaitReferenced(sourceConfigMaps, namespace, name),
      secret: (namespace, name) => awaitReferenced(secrets, namespace, name),
    };
    const events = new EventRecorder(client, FIELD_MANAGER, this.identity);
    manager.add(
      policyBundleController({
        client,
        bundles,
        lookup,
        events,
        metrics: this.metrics,
        bus: this.#bus,
        logger,
        raised: new Map<string, string>(),
        verifiedContent: new Map(),
      }),
    );
    let serviceMonitors: Promise<boolean> | undefined;
    manager.add(
      governanceServerController({
        client,
        servers,
        bundles,
        deployments,
        configMaps,
        lookup,
        events,
        logger,
        defaultImage: this.#options.defaultImage ?? defaultImage(),
        ...(this.#options.auditRetentionDefaults && {
          auditRetentionDefaults: this.#options.auditRetentionDefaults,
        }),
        readiness: (namespace: string, name: string, ready: boolean | undefined) => {
          if (ready === undefined) this.metrics.serverReady.remove({ namespace, name });
          else this.metrics.serverReady.set({ namespace, name }, ready ? 1 : 0);
        },
        serviceMonitors: () =>
          (serviceMonitors ??= client.serves(ResourceTypes.serviceMonitor).catch(() => false)),
      }),
    );
    this.#cached = {
      bundles,
      lookup: {
        configMap: (namespace, name) => sourceConfigMaps.get(namespace, name),
        secret: (namespace, name) => secrets.get(namespace, name),
      },
    };
    try {
      await manager.run(signal);
    } finally {
      this.#cached = undefined;
    }
  }

  /** The keys the verified PolicyBundles are trusted through, with their expiry; none while not leading. */
  #trustedKeyExpiries(): TrustedKeyExpiry[] {
    const cached = this.#cached;
    if (!cached) return [];
    return cached.bundles.list().flatMap((bundle) => {
      if (!isVerified(bundle)) return [];
      const trust = trustOf(bundle, cached.lookup);
      if ("reason" in trust) return [];
      return keyExpiries(trust.trust, [{ signerKeyIds: bundle.status?.signerKeyIds ?? [] }]).map((e) => ({
        ...e,
        namespace: bundle.metadata.namespace,
        policyBundle: bundle.metadata.name,
      }));
    });
  }
}
