// /verify: checks an attestation against the server's key and the bundles it serves; a forged one is a
// signature_failure event. Every verification is logged (best effort: a verification decides nothing).
import { verifyAttestation, type Attestation, type AttestationVerification } from "../attest/index.ts";
import { SecurityEventType } from "../events/index.ts";
import { eventFacts, type Caller } from "./caller.ts";
import { DecisionError } from "./errors.ts";
import type { DecisionDeps } from "./ports.ts";

/** The attestation itself, or `{attestation}` around it. */
function candidateOf(body: Readonly<Record<string, unknown>>): unknown {
  const inner = body["attestation"];
  return typeof inner === "object" && inner !== null ? inner : body;
}

export async function verifyDecision(
  deps: Pick<DecisionDeps, "bundles" | "events" | "signer" | "decisionLog" | "observer">,
  body: Readonly<Record<string, unknown>>,
  caller: Caller,
): Promise<AttestationVerification> {
  const candidate = candidateOf(body);
  const result = verifyAttestation(candidate, [deps.signer.publicKey], {
    findBundle: (policyId, policyVersion) => deps.bundles.find(policyId, policyVersion),
  });
  if (result.signerKeyId === null)
    throw new DecisionError(
      "not_an_attestation",
      `body is not an attestation: ${result.reason ?? "a field is missing"}`,
    );
  const claimed = candidate as Partial<Attestation>;
  const executionId = typeof claimed.executionId === "string" ? claimed.executionId.slice(0, 200) : undefined;
  if (!result.checks.signature_verified) {
    deps.events.raise({
      type: SecurityEventType.signatureFailure,
      message: `attestation for ${executionId ?? "(unknown)"} failed signature verification`,
      ...eventFacts(caller),
      policy: { policyId: claimed.policyId, policyVersion: claimed.policyVersion },
      execution: {
        executionId,
        fingerprint:
          typeof claimed.execution_fingerprint === "string" ? claimed.execution_fingerprint : undefined,
      },
      details: { signerKeyId: result.signerKeyId, trusted: result.checks.trust_root_verified },
    });
  }
  await deps.decisionLog
    ?.recordVerification({
      executionId: executionId ?? null,
      valid: result.valid,
      checks: { ...result.checks },
      signerKeyId: result.signerKeyId,
      apiKeyId: caller.apiKeyId ?? null,
      requestId: caller.requestId ?? null,
    })
    .catch((error: unknown) => {
      deps.observer.warn?.("could not record the verification", error);
    });
  return result;
}
