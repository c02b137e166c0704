// Writes crds/*.yaml from src/operator/schema.ts, and the copy the kustomize base in deploy/ uses.
import { writeFile } from "node:fs/promises";
import { renderCrdFiles } from "../src/operator/crd-files.ts";

for (const [name, text] of Object.entries(renderCrdFiles())) {
  for (const dir of ["crds", "deploy/crds"]) {
    await writeFile(new URL(`../${dir}/${name}`, import.meta.url), text);
    console.log(`wrote ${dir}/${name}`);
  }
}
