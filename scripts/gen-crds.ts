// Writes crds/*.yaml from src/operator/schema.ts, and the copies in deploy/crds/ and the chart.
import { writeFile } from "node:fs/promises";
import { renderCrdFiles } from "../src/operator/crd-files.ts";

for (const [name, text] of Object.entries(renderCrdFiles())) {
  for (const dir of ["crds", "deploy/crds", "charts/parmana-operator/files/crds"]) {
    await writeFile(new URL(`../${dir}/${name}`, import.meta.url), text);
    console.log(`wrote ${dir}/${name}`);
  }
}
