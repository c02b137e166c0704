// What the decisions need from the world, as narrow interfaces: adapters over Redis, Postgres, the event bus
// and the key live outside (src/server composes them), and tests pass failing or in-memory ones.
import type { Attestation } from "../attest/index.ts";
import type { VerifiedBundle } from "../bundle/index.ts";
import type { SigningKey } from "../crypto/index.ts";
import type { Signals } from "../policy/index.ts";
import type { RaiseInput } from "../events/index.ts";
import type { ReplayStore } from "../replay/index.ts";
import type { AttestationIssuer } from "./issuer.ts";
import type { ShadowRecorder } from "./shadow.ts";

/** The verified bundles a server serves, and why a named one is refused. */
export interface BundleCatalog {
  find(policyId: string, policyVersion: string): VerifiedBundle | undefined;
  failure(policyId: string, policyVersion: string): { readonly reason: string } | undefined;
  /** The verified bundles served in shadow of this version (none when absent). */
  shadowsOf?(policyId: string, policyVersion: string): readonly VerifiedBundle[];
}

export interface DecisionEntry {
  readonly attestation: Attestation;
  /** The normalised signals (the attestation carries only their hash); for the decision-record export. */
  readonly signals: Signals;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
  readonly clientIp: string | null;
  /** The trace the request ran in (when tracing is on), stored beside the decision. */
  readonly traceId?: string | null;
}

export interface OverrideEntry {
  readonly executionId: string;
  readonly approved: boolean;
  readonly approvedBy: string;
  readonly approverRole: string;
  readonly reason: string;
  readonly record: unknown;
  readonly apiKeyId: string | null;
  readonly clientIp: string | null;
  readonly decidedAt: Date;
}

export interface VerificationEntry {
  readonly executionId: string | null;
  readonly valid: boolean;
  readonly checks: Record<string, boolean>;
  readonly signerKeyId: string | null;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
}

export interface LoggedDecision {
  readonly executionState: string;
  readonly attestation: Attestation;
}

/**
 * The durable decision trail. Writes reject with DuplicateExecutionIdError when the executionId already has a
 * decision, and with AuditUnavailableError when the store failed.
 */
export interface DecisionLog {
  recordDecision(entry: DecisionEntry): Promise<void>;
  /** Writes the override and moves the decision out of pending, atomically; false when it was not pending. */
  recordOverride(entry: OverrideEntry): Promise<boolean>;
  recordVerification(entry: VerificationEntry): Promise<void>;
  decision(executionId: string): Promise<LoggedDecision | undefined>;
}

export interface SecurityEvents {
  /** Never throws and never blocks (the bus spools and counts). */
  raise(input: RaiseInput): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Timings and problems worth a metric or a log line; every method optional. */
export interface DecisionObserver {
  replayStoreDuration?(operation: "reserve" | "confirm", seconds: number): void;
  auditWriteDuration?(seconds: number): void;
  warn?(message: string, error: unknown): void;
  error?(message: string, error: unknown): void;
}

export interface DecisionDeps {
  readonly bundles: BundleCatalog;
  readonly replay: ReplayStore;
  /** Absent when the server runs without an audit database (audit not required). */
  readonly decisionLog: DecisionLog | undefined;
  readonly events: SecurityEvents;
  readonly signer: SigningKey;
  /** How attestations are signed and self-checked; absent: each alone with `signer`, synchronously. */
  readonly issuer?: AttestationIssuer;
  readonly clock: Clock;
  readonly runtime: { readonly runtimeVersion: string; readonly runtimeHash: string };
  /** An attestation is handed out only once its decision is in the log. */
  readonly auditRequired: boolean;
  readonly observer: DecisionObserver;
  /** Where shadow evaluations go; without it no shadow is evaluated. */
  readonly shadow?: ShadowRecorder;
}
