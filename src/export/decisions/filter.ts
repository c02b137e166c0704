// Which decision records a sink sends, and how much of their signals:
// - PARMANA_EXPORT_*_DECISIONS_MODE=all | deny-only | sampled:<ratio>. deny-only sends every record that is
//   not a plain approval (an action other than "approve", or one that requires an override) and every
//   override; sampled sends those too, and approvals with probability <ratio> — decided by the executionId's
//   hash, so every replica and every retry decides the same for a record.
// - PARMANA_EXPORT_DECISIONS_SIGNALS=<name>,<name>: only these signals' values leave in clear; the others are
//   named in signals_withheld and represented by signals_hash. Unset: no signal value leaves.
import { createHash } from "node:crypto";
import type { DecisionRecord } from "./record.ts";

export type DecisionMode =
  | { readonly kind: "all" }
  | { readonly kind: "deny-only" }
  | { readonly kind: "sampled"; readonly ratio: number };

export function parseDecisionMode(text: string | undefined, variable: string): DecisionMode {
  const value = (text ?? "all").trim();
  if (value === "all" || value === "deny-only") return { kind: value };
  const m = /^sampled:(0(\.\d+)?|1(\.0+)?)$/.exec(value);
  if (m) return { kind: "sampled", ratio: Number(m[1]) };
  throw new Error(
    `${variable}=${JSON.stringify(value)} must be all, deny-only or sampled:<ratio from 0 to 1>`,
  );
}

/** An approval no one has to act on: the only kind of record deny-only and sampling leave out. */
export function isPlainApproval(r: DecisionRecord): boolean {
  return r.record_type === "decision" && r.decision.action === "approve" && !r.decision.requires_override;
}

/** A stable number in [0, 1) for an executionId (the first 52 bits of its SHA-256). */
export function sampleBucket(executionId: string): number {
  const digest = createHash("sha256").update(executionId, "utf8").digest();
  return Number(digest.readBigUInt64BE(0) >> 12n) / 2 ** 52;
}

export function keepDecision(r: DecisionRecord, mode: DecisionMode): boolean {
  switch (mode.kind) {
    case "all":
      return true;
    case "deny-only":
      return !isPlainApproval(r);
    case "sampled":
      return !isPlainApproval(r) || sampleBucket(r.execution_id) < mode.ratio;
  }
}

const SIGNAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function parseSignalAllowlist(text: string | undefined): ReadonlySet<string> {
  const names = (text ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const bad = names.find((n) => !SIGNAL_NAME.test(n));
  if (bad !== undefined)
    throw new Error(
      `PARMANA_EXPORT_DECISIONS_SIGNALS names ${JSON.stringify(bad)}, which is not a signal name`,
    );
  return new Set(names);
}

/** The record as a sink sends it: only allowlisted signal values; the others named, never their values. */
export function withAllowedSignals(r: DecisionRecord, allowed: ReadonlySet<string>): DecisionRecord {
  const signals: Record<string, DecisionRecord["signals"][string]> = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(r.signals)) {
    if (allowed.has(name)) signals[name] = value;
    else withheld.push(name);
  }
  return { ...r, signals, signals_withheld: withheld.sort() };
}
