// The TypeScript SDK: ParmanaClient for the HTTP API, and the offline verifiers that reuse the server's code.
export {
  ParmanaClient,
  ParmanaApiError,
  type ClientOptions,
  type ExecuteRequest,
  type OverrideRequest,
  type SecuritySummaryRow,
  type RangeQuery,
  type EventsQuery,
  type DecisionsQuery,
} from "./client.ts";
export { verifyAttestation, type Attestation, type AttestationVerification } from "../attest/index.ts";
export {
  verifyBundleDirectory as verifyBundle,
  loadTrustDirectory,
  trustSetFromFiles,
} from "../bundle/index.ts";
