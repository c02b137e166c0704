// Attestations: the signed record of one decision. Building, signing and verifying are synchronous and do no
// I/O, so anyone holding the attestation and the public keys can check it, years later, offline.
import {
  SigningDomain,
  canonicalize,
  canonicalString,
  parseSha256,
  sha256Hex,
  signPayload,
  verifyPayload,
  type PublicKey,
  type SigningKey,
} from "../crypto/index.ts";
import { isBatchShaped, verifyBatchSignature } from "./batch-proof.ts";

export const ExecutionState = { completed: "completed", pendingOverride: "pending_override" } as const;
export type ExecutionState = (typeof ExecutionState)[keyof typeof ExecutionState];

export interface Decision {
  readonly action: string;
  readonly requires_override: boolean;
  readonly reason: string;
  readonly ruleId: string;
}

export interface UnsignedAttestation {
  readonly executionId: string;
  readonly execution_fingerprint: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly schemaVersion: string;
  readonly runtimeVersion: string;
  readonly runtimeHash: string;
  readonly signalsHash: string;
  readonly decision: Decision;
  readonly execution_state: ExecutionState;
  readonly bundleHash: string;
  readonly manifestHash: string;
  readonly bundleRevision: number;
  readonly signerKeyId: string;
  readonly issuedAt: string;
}

/**
 * Where a batch-signed attestation sits in its batch: `signature` then signs the batch's Merkle root (domain
 * PARMANA_ATTESTATION_BATCH_V1), and `path` (hex hashes, RFC 9162 audit path) leads from this attestation's
 * leaf to it. See batch.ts.
 */
export interface AttestationBatch {
  readonly leafIndex: number;
  readonly treeSize: number;
  /** Hex hashes (a plain array: the API schema types it so). */
  readonly path: string[];
}

export interface Attestation extends UnsignedAttestation {
  readonly signature: string;
  /** Present when the attestation was signed in a batch; absent for one signed alone. */
  readonly batch?: AttestationBatch;
}

/**
 * sha256(canonical({policyId, policyVersion, signals})), given canonical(signals): the three members are
 * already in canonical order, so the object's canonical text is assembled around the signals' own.
 */
function fingerprintOfCanonical(policyId: string, policyVersion: string, canonicalSignals: string): string {
  return sha256Hex(
    `{"policyId":${canonicalString(policyId)},"policyVersion":${canonicalString(policyVersion)},"signals":${canonicalSignals}}`,
  );
}

/** sha256(canonical({policyId, policyVersion, signals})) over the normalised signals. */
export function executionFingerprint(policyId: string, policyVersion: string, signals: unknown): string {
  return fingerprintOfCanonical(policyId, policyVersion, canonicalize(signals));
}

/** sha256(canonical(signals)). */
export function signalsHash(signals: unknown): string {
  return sha256Hex(canonicalize(signals));
}

export interface AttestationInput {
  readonly executionId: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly schemaVersion: string;
  readonly signals: unknown;
  readonly decision: Decision;
  readonly runtimeVersion: string;
  readonly runtimeHash: string;
  readonly bundleHash: string;
  readonly manifestHash: string;
  readonly bundleRevision: number;
  readonly issuedAt: Date;
}

/** The attestation's fields but the signature, members in canonical order. */
export function unsignedAttestation(input: AttestationInput, key: SigningKey): UnsignedAttestation {
  const canonicalSignals = canonicalize(input.signals);
  const { action, reason, requires_override } = input.decision;
  // Members in canonical (UTF-16 code unit) order, so that canonicalisation needs no reordering copy.
  return {
    bundleHash: input.bundleHash,
    bundleRevision: input.bundleRevision,
    decision: { action, reason, requires_override, ruleId: input.decision.ruleId },
    executionId: input.executionId,
    execution_fingerprint: fingerprintOfCanonical(input.policyId, input.policyVersion, canonicalSignals),
    execution_state: requires_override ? ExecutionState.pendingOverride : ExecutionState.completed,
    issuedAt: input.issuedAt.toISOString(),
    manifestHash: input.manifestHash,
    policyId: input.policyId,
    policyVersion: input.policyVersion,
    runtimeHash: input.runtimeHash,
    runtimeVersion: input.runtimeVersion,
    schemaVersion: input.schemaVersion,
    signalsHash: sha256Hex(canonicalSignals),
    signerKeyId: key.keyId,
  };
}

/** Builds and signs an attestation; the signature covers every other field in domain PARMANA_ATTESTATION_V1. */
export function signAttestation(input: AttestationInput, key: SigningKey): Attestation {
  const unsigned = unsignedAttestation(input, key);
  return { ...unsigned, signature: signPayload(SigningDomain.attestation, unsigned, key) };
}

export interface AttestationChecks {
  readonly signature_verified: boolean;
  readonly runtime_verified: boolean;
  readonly schema_compatible: boolean;
  readonly bundle_verified: boolean;
  readonly trust_root_verified: boolean;
}

export interface AttestationVerification {
  readonly valid: boolean;
  readonly checks: AttestationChecks;
  readonly signerKeyId: string | null;
  /** Why it is invalid, for people; absent when valid. */
  readonly reason?: string;
}

export interface KnownBundle {
  readonly bundleHash: string;
  readonly manifestHash: string;
}

export interface VerifyAttestationOptions {
  /** Runtime hashes to accept; when absent, any well-formed runtime hash is accepted. */
  readonly trustedRuntimeHashes?: readonly string[];
  readonly supportedSchemaVersions?: readonly string[];
  /** Looks up the bundle the attestation names; when it is known its hashes must match. */
  readonly findBundle?: (policyId: string, policyVersion: string) => KnownBundle | undefined;
}

const STRING_FIELDS = [
  "executionId",
  "execution_fingerprint",
  "policyId",
  "policyVersion",
  "schemaVersion",
  "runtimeVersion",
  "runtimeHash",
  "signalsHash",
  "execution_state",
  "bundleHash",
  "manifestHash",
  "signerKeyId",
  "issuedAt",
  "signature",
] as const;
const MAX_FIELD_LENGTH = 4096;

/** Whether `value` has the shape of an attestation (types and sizes only; nothing is trusted yet). */
export function isAttestationShaped(value: unknown): value is Attestation {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const a = value as Record<string, unknown>;
  const decision = a["decision"] as Record<string, unknown> | null | undefined;
  return (
    STRING_FIELDS.every((f) => typeof a[f] === "string" && a[f].length <= MAX_FIELD_LENGTH) &&
    Number.isSafeInteger(a["bundleRevision"]) &&
    typeof decision === "object" &&
    decision !== null &&
    typeof decision["action"] === "string" &&
    typeof decision["requires_override"] === "boolean" &&
    typeof decision["reason"] === "string" &&
    typeof decision["ruleId"] === "string" &&
    (a["batch"] === undefined || isBatchShaped(a["batch"]))
  );
}

const NOTHING_VERIFIED: AttestationChecks = {
  signature_verified: false,
  runtime_verified: false,
  schema_compatible: false,
  bundle_verified: false,
  trust_root_verified: false,
};

function firstFailure(checks: AttestationChecks): string | undefined {
  if (!checks.trust_root_verified) return "the signer key is not trusted";
  if (!checks.signature_verified)
    return "the signature does not match the attestation: it was altered or signed by another key";
  if (!checks.runtime_verified) return "the runtime hash is not a trusted runtime";
  if (!checks.schema_compatible) return "the schema version is not supported";
  if (!checks.bundle_verified) return "the bundle or manifest hash differs from the known bundle";
  return undefined;
}

/**
 * Verifies an attestation against trusted public keys, signed alone or in a batch (its `batch` path then leads
 * to the root the signature covers). Never throws on hostile input: anything that is not
 * an attestation is reported invalid with every check false.
 */
export function verifyAttestation(
  attestation: unknown,
  trustedKeys: readonly PublicKey[],
  options: VerifyAttestationOptions = {},
): AttestationVerification {
  if (!isAttestationShaped(attestation)) {
    return {
      valid: false,
      checks: NOTHING_VERIFIED,
      signerKeyId: null,
      reason: "not an attestation: a field is missing or of the wrong type",
    };
  }
  const { signature, batch, ...unsigned } = attestation;
  const key = trustedKeys.find((k) => k.keyId === attestation.signerKeyId);
  let signatureVerified: boolean;
  try {
    signatureVerified =
      key !== undefined &&
      (batch
        ? verifyBatchSignature(unsigned, batch, signature, key)
        : verifyPayload(SigningDomain.attestation, unsigned, signature, key));
  } catch {
    signatureVerified = false; // e.g. a lone surrogate planted in a field cannot be canonicalised
  }
  const known = options.findBundle?.(attestation.policyId, attestation.policyVersion);
  const checks: AttestationChecks = {
    trust_root_verified: key !== undefined,
    signature_verified: signatureVerified,
    runtime_verified: options.trustedRuntimeHashes
      ? options.trustedRuntimeHashes.includes(attestation.runtimeHash)
      : parseSha256(attestation.runtimeHash) !== undefined,
    schema_compatible: (options.supportedSchemaVersions ?? ["1.0.0"]).includes(attestation.schemaVersion),
    bundle_verified: known
      ? known.bundleHash === attestation.bundleHash && known.manifestHash === attestation.manifestHash
      : parseSha256(attestation.bundleHash) !== undefined &&
        parseSha256(attestation.manifestHash) !== undefined,
  };
  const reason = firstFailure(checks);
  return {
    valid: reason === undefined,
    checks,
    signerKeyId: attestation.signerKeyId,
    ...(reason !== undefined && { reason }),
  };
}
