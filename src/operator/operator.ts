// The operator process: leader election, then informers for PolicyBundles, GovernanceServers, ConfigMaps,
// Secrets and the Deployments it owns, feeding two work queues whose reconcilers converge the cluster.
// Events on related objects map back to the keys that depend on them. Metrics and health on one port.
import { serveMetrics, type MetricsServer } from "../http/index.ts";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { SecurityEventBus, type SecurityEvent } from "../events/index.ts";
import { atLeast, type ExportSink } from "../export/index.ts";
import { keyExpiries } from "../bundle/index.ts";
import { trustOf, type ConfigMapObject, type ObjectLookup, type SecretObject } from "./bundle-source.ts";
import { EventRecorder } from "./events.ts";
import {
  reconcileGovernanceServer,
  referencesSecret,
  selects,
  type DeploymentObject,
} from "./governanceserver-controller.ts";
import { FIELD_MANAGER, Informer, outcomeOf, type StalledError } from "./runtime/index.ts";
import { ResourceTypes, type KubeClient, type KubeObject } from "./kube.ts";
import { LeaderElector } from "./runtime/index.ts";
import { createOperatorMetrics, type OperatorMetrics, type TrustedKeyExpiry } from "./metrics.ts";
import { isVerified, reconcilePolicyBundle } from "./policybundle-controller.ts";
import { WorkQueue, type ReconcileResult } from "./runtime/index.ts";
import { LABEL_MANAGED_BY, MANAGER, defaultImage, type AuditRetentionDefaults } from "./render.ts";
import type { GovernanceServer, PolicyBundle } from "./schema.ts";

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

  /** Everything a leader does, until `signal` aborts. */
  async #lead(signal: AbortSignal): Promise<void> {
    const { client, logger } = this.#options;
    const ns = this.#options.namespace;
    const resyncMs = this.#options.resyncMs ?? 10 * 60_000;
    const concurrency = this.#options.concurrency ?? 4;
    const onError = (resource: string) => (error: unknown) => {
      logger.warn({ resource, err: error }, "watch failed; listing again after a backoff");
    };
    const onList = (resource: string) => (reason: "initial" | "expired" | "error") => {
      this.metrics.informerLists.inc({ resource, reason });
    };
    const queue = (
      name: string,
      kind: string,
      reconcile: (key: string) => Promise<ReconcileResult | undefined>,
    ): WorkQueue =>
      new WorkQueue({
        name,
        concurrency,
        observer: {
          ...this.metrics.queueObserver,
          failed: (_q, key, error) => {
            const outcome = outcomeOf(error);
            if (outcome === "stalled")
              logger.info(
                { key, reason: (error as StalledError).reason },
                `${kind} stalled; waiting for a change`,
              );
            else if (outcome === "error")
              logger.warn({ key, err: error }, `${kind} reconcile failed; retrying`);
          },
        },
        reconcile,
      });
    const bundleQueue = queue("policybundle", "PolicyBundle", (key) => reconcilePolicyBundle(bundleCtx, key));
    const serverQueue = queue("governanceserver", "GovernanceServer", (key) =>
      reconcileGovernanceServer(serverCtx, key),
    );
    const key = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

    const bundles: Informer<PolicyBundle & KubeObject> = new Informer(client, ResourceTypes.policyBundle, {
      namespace: ns,
      resyncMs,
      onError: onError("policybundles"),
      onList: onList("policybundles"),
      handler: (b) => {
        bundleQueue.add(key(b));
        for (const s of servers.list(b.metadata.namespace)) {
          if (selects(s.spec.bundleSelector, b.metadata.labels)) serverQueue.add(key(s));
        }
      },
    });
    const servers: Informer<GovernanceServer & KubeObject> = new Informer(
      client,
      ResourceTypes.governanceServer,
      {
        namespace: ns,
        resyncMs,
        onError: onError("governanceservers"),
        onList: onList("governanceservers"),
        handler: (s) => {
          serverQueue.add(key(s));
        },
      },
    );
    const configMaps: Informer<ConfigMapObject> = new Informer(client, ResourceTypes.configMap, {
      namespace: ns,
      onError: onError("configmaps"),
      onList: onList("configmaps"),
      handler: (cm) => {
        for (const b of bundles.list(cm.metadata.namespace))
          if (b.spec.source.configMapRef?.name === cm.metadata.name) bundleQueue.add(key(b));
      },
    });
    const secrets: Informer<SecretObject> = new Informer(client, ResourceTypes.secret, {
      namespace: ns,
      onError: onError("secrets"),
      onList: onList("secrets"),
      handler: (secret) => {
        for (const b of bundles.list(secret.metadata.namespace))
          if (b.spec.trust.secretRef.name === secret.metadata.name) bundleQueue.add(key(b));
        // Only the servers that read it (their own Secrets, their bundles' trust): an unrelated Secret queues nothing.
        const inNamespace = bundles.list(secret.metadata.namespace);
        for (const s of servers.list(secret.metadata.namespace))
          if (referencesSecret(s, secret.metadata.name, inNamespace)) serverQueue.add(key(s));
      },
    });
    const deployments: Informer<DeploymentObject> = new Informer(client, ResourceTypes.deployment, {
      namespace: ns,
      labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
      onError: onError("deployments"),
      onList: onList("deployments"),
      handler: (d) => {
        const owner = d.metadata.ownerReferences?.find(
          (r) => r.kind === "GovernanceServer" && r.controller === true,
        );
        if (owner) serverQueue.add(`${d.metadata.namespace ?? ""}/${owner.name}`);
      },
    });

    const lookup: ObjectLookup = {
      configMap: (namespace, name) => configMaps.get(namespace, name),
      secret: (namespace, name) => secrets.get(namespace, name),
    };
    const events = new EventRecorder(client, FIELD_MANAGER, this.identity);
    const bundleCtx = {
      client,
      bundles,
      lookup,
      events,
      metrics: this.metrics,
      bus: this.#bus,
      logger,
      raised: new Map<string, string>(),
    };
    let serviceMonitors: Promise<boolean> | undefined;
    const serverCtx = {
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
    };

    this.#cached = { bundles, lookup };
    const informers = [bundles, servers, configMaps, secrets, deployments];
    const watching = informers.map((i) => i.run(signal));
    // Reconcile only from a complete picture: every cache listed once.
    await Promise.race([
      Promise.all(informers.map((i) => i.synced)),
      new Promise((r) => {
        signal.addEventListener("abort", r);
      }),
    ]);
    const working = [bundleQueue.run(), serverQueue.run()];
    if (!signal.aborted)
      logger.info({ namespace: ns ?? "(all)", identity: this.identity }, "operator reconciling");
    await new Promise((resolve) => {
      if (signal.aborted) resolve(undefined);
      else signal.addEventListener("abort", resolve, { once: true });
    });
    bundleQueue.stop();
    serverQueue.stop();
    this.#cached = undefined;
    await Promise.all([...watching, ...working]);
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
