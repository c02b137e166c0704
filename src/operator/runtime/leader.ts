// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews every retry
// period; another candidate takes the Lease over only when it has seen the same renewTime for a whole lease
// duration by its own clock (so clock skew between nodes does not matter); every write carries the
// resourceVersion it read, so two candidates can never both win. A leader that cannot renew within the renew
// deadline steps down. On a graceful stop the leader releases the Lease so that the next one starts at once.
import { V1MicroTime } from "@kubernetes/client-node";
import { KubeApiError, ResourceTypes, type KubeClient, type LeaseObject } from "../kube/index.ts";
import { systemClock, type Clock } from "../../util/clock.ts";

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** An attempt failed for a reason other than a lost race (the API server is away, RBAC refuses). */
  readonly onError?: (error: unknown) => void;
  /** Where the elector reads the time and waits between attempts (tests pass a manual clock). */
  readonly clock?: Clock;
}

const microTime = (d: Date): V1MicroTime => new V1MicroTime(d.getTime());

/** The library leaves a MicroTime it reads as the server's string (it has no deserializer for the type). */
const stamp = (t: Date | string | undefined): string => (t instanceof Date ? t.toISOString() : (t ?? ""));

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: LeaderElectionOptions;
  #observed: { record: string; at: number } | undefined;

  readonly #clock: Clock;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** One attempt to acquire or renew; true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const o = this.#options;
    const now = new Date(this.#clock.now());
    const existing = await this.#client.get<LeaseObject>(ResourceTypes.lease, o.namespace, o.name);
    const spec = {
      holderIdentity: o.identity,
      leaseDurationSeconds: Math.ceil(o.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    if (!existing) {
      await this.#client.create<LeaseObject>(ResourceTypes.lease, {
        metadata: { name: o.name, namespace: o.namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    const held = existing.spec ?? {};
    const record = `${held.holderIdentity ?? ""}|${stamp(held.renewTime)}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: this.#clock.now() };
    const mine = held.holderIdentity === o.identity;
    const free = (held.holderIdentity ?? "") === "";
    const expired = this.#clock.now() - this.#observed.at > (held.leaseDurationSeconds ?? 15) * 1000;
    if (!mine && !free && !expired) return false;
    // A copy of what was read (its resourceVersion makes the write conditional), with the fields we own.
    const next = structuredClone(existing);
    next.spec = Object.assign(
      next.spec ?? {},
      spec,
      mine ? {} : { acquireTime: microTime(now), leaseTransitions: (held.leaseTransitions ?? 0) + 1 },
    );
    await this.#client.replace<LeaseObject>(ResourceTypes.lease, next);
    return true;
  }

  /**
   * Campaigns until `signal` aborts. While leading, `lead` runs with a signal that aborts when leadership is
   * lost (renewals failed for the renew deadline) or on stop; then the Lease is released.
   */
  async run(
    signal: AbortSignal,
    lead: (leading: AbortSignal) => Promise<void>,
    onChange?: (leader: boolean) => void,
  ): Promise<void> {
    const o = this.#options;
    while (!signal.aborted) {
      if (!(await this.#attempt())) {
        await this.#clock.delay(o.retryPeriodMs, signal);
        continue;
      }
      onChange?.(true);
      const leading = new AbortController();
      const stop = (): void => {
        leading.abort();
      };
      signal.addEventListener("abort", stop, { once: true });
      const work = lead(leading.signal);
      await this.#renew(leading);
      signal.removeEventListener("abort", stop);
      await work;
      onChange?.(false);
      if (this.#stopping(signal)) await this.release();
    }
  }

  #stopping(signal: AbortSignal): boolean {
    return signal.aborted;
  }

  /** Renews every retry period; aborts `leading` when renewals fail for longer than the renew deadline. */
  async #renew(leading: AbortController): Promise<void> {
    const o = this.#options;
    const stopped = (): boolean => leading.signal.aborted;
    let lastRenew = this.#clock.now();
    while (!stopped()) {
      await this.#clock.delay(o.retryPeriodMs, leading.signal);
      if (stopped()) return;
      if (await this.#attempt()) lastRenew = this.#clock.now();
      else if (this.#clock.now() - lastRenew > o.renewDeadlineMs) leading.abort();
    }
  }

  async #attempt(): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (error) {
      // 409: another candidate wrote first. Anything else (the API server is away): not leading this round.
      if (!(error instanceof KubeApiError && error.status === 409)) this.#options.onError?.(error);
      return false;
    }
  }

  /** Gives the Lease up if this candidate holds it. */
  async release(): Promise<void> {
    const o = this.#options;
    try {
      const lease = await this.#client.get<LeaseObject>(ResourceTypes.lease, o.namespace, o.name);
      if (lease?.spec?.holderIdentity !== o.identity) return;
      const released = structuredClone(lease);
      released.spec = Object.assign(released.spec ?? {}, {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      });
      await this.#client.replace<LeaseObject>(ResourceTypes.lease, released);
    } catch {
      // Best effort: the Lease expires by itself.
    }
  }
}
