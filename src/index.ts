// The package's public surface: the SDK and the offline verifiers. The server, operator and CLI are run
// through the `parmana` command.
export * from "./client/index.ts";
export { parsePublicKey, type PublicKey } from "./crypto/index.ts";
