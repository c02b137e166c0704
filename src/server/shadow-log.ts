// What the server keeps of shadow evaluations: every one counted
// (parmana_shadow_evaluations_total{policy_id,enforced_version,shadow_version,agree}) and the latest
// disagreements, bounded, in memory — per process; the counter is what aggregates across replicas. Served at
// GET /audit/shadow.
import type { Counter } from "prom-client";
import type { ShadowRecorder, ShadowResult } from "../decisions/index.ts";

export const SHADOW_LOG_CAPACITY = 1_000;

export interface ShadowSummary {
  readonly policyId: string;
  readonly enforcedVersion: string;
  readonly shadowVersion: string;
  readonly agreements: number;
  readonly disagreements: number;
}

export class ShadowLog implements ShadowRecorder {
  readonly #counter: Counter<"policy_id" | "enforced_version" | "shadow_version" | "agree">;
  readonly #capacity: number;
  readonly #latest: (ShadowResult & { readonly at: string })[] = [];
  readonly #totals = new Map<
    string,
    { summary: Omit<ShadowSummary, "agreements" | "disagreements">; agree: number; disagree: number }
  >();

  constructor(
    counter: Counter<"policy_id" | "enforced_version" | "shadow_version" | "agree">,
    capacity = SHADOW_LOG_CAPACITY,
  ) {
    this.#counter = counter;
    this.#capacity = capacity;
  }

  record(result: ShadowResult): void {
    this.#counter.inc({
      policy_id: result.policyId,
      enforced_version: result.enforcedVersion,
      shadow_version: result.shadowVersion,
      agree: String(result.agree),
    });
    const key = `${result.policyId}\u0000${result.enforcedVersion}\u0000${result.shadowVersion}`;
    const total = this.#totals.get(key) ?? {
      summary: {
        policyId: result.policyId,
        enforcedVersion: result.enforcedVersion,
        shadowVersion: result.shadowVersion,
      },
      agree: 0,
      disagree: 0,
    };
    if (result.agree) total.agree += 1;
    else total.disagree += 1;
    this.#totals.set(key, total);
    if (result.agree) return;
    this.#latest.push({ ...result, at: new Date().toISOString() });
    if (this.#latest.length > this.#capacity) this.#latest.shift();
  }

  /** The counts since this process started, and the latest disagreements, newest first. */
  snapshot(limit: number): { summaries: ShadowSummary[]; disagreements: (ShadowResult & { at: string })[] } {
    return {
      summaries: [...this.#totals.values()].map((t) => ({
        ...t.summary,
        agreements: t.agree,
        disagreements: t.disagree,
      })),
      disagreements: this.#latest.slice(-limit).reverse(),
    };
  }
}
