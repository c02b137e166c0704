// Which bundles a server runs in shadow (PARMANA_SHADOW_BUNDLES), and the catalog the decisions see: a shadow
// version is evaluated beside the version it shadows and is never served to a caller who names it.
//
//   PARMANA_SHADOW_BUNDLES=loan-approval/1.3.0=1.2.0[,other/2.0.0=1.9.0]
//                          <policyId>/<shadow version>=<enforced version>
import type { VerifiedBundle } from "../bundle/index.ts";
import type { BundleCatalog } from "../decisions/index.ts";

export interface ShadowBinding {
  readonly policyId: string;
  readonly shadowVersion: string;
  readonly enforcedVersion: string;
}

const ENTRY =
  /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\/([0-9A-Za-z][0-9A-Za-z.+_-]{0,63})=([0-9A-Za-z][0-9A-Za-z.+_-]{0,63})$/;

/** Parses the variable; a malformed entry throws an Error naming it. */
export function parseShadowBindings(text: string | undefined): ShadowBinding[] {
  if (text === undefined || text.trim() === "") return [];
  const seen = new Set<string>();
  return text.split(",").map((raw) => {
    const entry = raw.trim();
    const m = ENTRY.exec(entry);
    if (!m)
      throw new Error(
        `PARMANA_SHADOW_BUNDLES entry ${JSON.stringify(entry)} must be <policyId>/<shadow version>=<enforced version>`,
      );
    const [, policyId = "", , shadowVersion = "", enforcedVersion = ""] = m;
    if (shadowVersion === enforcedVersion)
      throw new Error(`PARMANA_SHADOW_BUNDLES entry ${entry}: a version cannot shadow itself`);
    const key = `${policyId}/${shadowVersion}`;
    if (seen.has(key)) throw new Error(`PARMANA_SHADOW_BUNDLES names ${key} twice`);
    seen.add(key);
    return { policyId, shadowVersion, enforcedVersion };
  });
}

interface Registry {
  find(policyId: string, policyVersion: string): VerifiedBundle | undefined;
  failure(policyId: string, policyVersion: string): { readonly reason: string } | undefined;
}

/** The registry as the decisions see it, with the shadow bindings applied. */
export function shadowCatalog(registry: Registry, bindings: readonly ShadowBinding[]): BundleCatalog {
  if (bindings.length === 0) return registry;
  const shadowVersions = new Set(bindings.map((b) => `${b.policyId}\u0000${b.shadowVersion}`));
  return {
    find: (policyId, policyVersion) =>
      shadowVersions.has(`${policyId}\u0000${policyVersion}`)
        ? undefined
        : registry.find(policyId, policyVersion),
    failure: (policyId, policyVersion) => registry.failure(policyId, policyVersion),
    shadowsOf: (policyId, policyVersion) =>
      bindings
        .filter((b) => b.policyId === policyId && b.enforcedVersion === policyVersion)
        .flatMap((b) => {
          const bundle = registry.find(policyId, b.shadowVersion);
          return bundle ? [bundle] : [];
        }),
  };
}
