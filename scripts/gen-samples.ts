// Writes deploy/samples/*.yaml from deploy/examples.
import { writeFile } from "node:fs/promises";
import { renderSampleFiles } from "../src/operator/samples.ts";

for (const [name, text] of Object.entries(renderSampleFiles())) {
  await writeFile(new URL(`../deploy/samples/${name}`, import.meta.url), text);
  console.log(`wrote deploy/samples/${name}`);
}
