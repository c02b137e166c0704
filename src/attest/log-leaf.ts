// A decision as a leaf of the verifiable decision log: its attestation's canonical JSON after a domain tag, so
// that no other signed or hashed Parmana object can pose as a logged decision, hashed as an RFC 9162 leaf.
import { canonicalBytes, leafHash } from "../crypto/index.ts";
import type { Attestation } from "./attestation.ts";

export const DECISION_LEAF_DOMAIN = "parmana/decision-log/v1\n";

export function decisionLeafData(attestation: Attestation): Buffer {
  return Buffer.concat([Buffer.from(DECISION_LEAF_DOMAIN, "utf8"), canonicalBytes(attestation)]);
}

export function decisionLeafHash(attestation: Attestation): Buffer {
  return leafHash(decisionLeafData(attestation));
}
