// The CRD files in crds/, rendered from src/operator/schema.ts. `npm run gen:crds` writes them; a unit test
// fails when they differ from what this renders.
import { stringify } from "yaml";
import { crdManifests } from "./schema.ts";

const HEADER = "# Generated from src/operator/schema.ts by `npm run gen:crds`; do not edit.\n";

export function renderCrdFiles(): Record<string, string> {
  const { policyBundles, governanceServers } = crdManifests();
  const render = (doc: unknown): string => HEADER + stringify(doc, { lineWidth: 0 });
  return {
    "governance.parmana.io_policybundles.yaml": render(policyBundles),
    "governance.parmana.io_governanceservers.yaml": render(governanceServers),
  };
}
