// Writes crds/*.yaml from src/operator/schema.ts (and the chart's copy when the chart exists).
import { writeFile } from "node:fs/promises";
import { renderCrdFiles } from "../src/operator/crd-files.ts";

for (const [name, text] of Object.entries(renderCrdFiles())) {
  await writeFile(new URL(`../crds/${name}`, import.meta.url), text);
  console.log(`wrote crds/${name}`);
}
