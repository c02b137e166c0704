// Which decisions and overrides enter the decision outbox, and with which signal values: the server's one
// allowlist is applied before the record is stored, so a value no sink may send never rests in the outbox;
// a record enters when at least one sink's mode keeps it (each sink filters again when it delivers).
import type { Attestation } from "../../attest/index.ts";
import type { DecisionEntry, OverrideEntry } from "../../decisions/index.ts";
import { keepDecision, withAllowedSignals, type DecisionMode } from "./filter.ts";
import { decisionRecord, overrideRecord, type DecisionRecord } from "./record.ts";

export class DecisionSelection {
  readonly #modes: readonly DecisionMode[];
  readonly #allowed: ReadonlySet<string>;

  /** `modes`: one per sink that exports decisions (none: nothing is selected). */
  constructor(modes: readonly DecisionMode[], allowedSignals: ReadonlySet<string>) {
    this.#modes = modes;
    this.#allowed = allowedSignals;
  }

  #kept(record: DecisionRecord): DecisionRecord | undefined {
    return this.#modes.some((m) => keepDecision(record, m)) ? record : undefined;
  }

  decision(entry: DecisionEntry): DecisionRecord | undefined {
    if (this.#modes.length === 0) return undefined;
    const record = decisionRecord(entry.attestation, entry.signals, entry);
    return this.#kept(withAllowedSignals(record, this.#allowed));
  }

  /**
   * The override of `decided` (the pending decision's attestation as logged). Its signals went with the
   * decision's record (the same executionId); this one carries their hash only.
   */
  override(decided: Attestation, entry: OverrideEntry): DecisionRecord | undefined {
    if (this.#modes.length === 0) return undefined;
    const base = decisionRecord(decided, {}, { apiKeyId: entry.apiKeyId, requestId: null });
    return this.#kept(overrideRecord(base, entry));
  }
}
