// Builds a small Go program of test/tools/ (once per source and Go version, cached like test/infra's builds) so
// that a test can check our output with an independent implementation from the Go module proxy.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const tools = fileURLToPath(new URL("../tools/", import.meta.url));
const cache = process.env["PARMANA_INFRA_CACHE"] ?? join(homedir(), ".cache", "parmana-test-infra");

/** The path of the built test/tools/<name>; throws, naming what is missing, when Go cannot build it. */
export async function goTool(name: string): Promise<string> {
  const source = join(tools, name);
  let version: string;
  try {
    version = (await run("go", ["env", "GOVERSION"])).stdout.trim();
  } catch (error) {
    throw new Error(`test/tools/${name} needs the go command (Go 1.26) to build it`, { cause: error });
  }
  const hash = createHash("sha256").update(version);
  for (const file of ["main.go", "go.mod", "go.sum"]) hash.update(await readFile(join(source, file)));
  const binary = join(cache, `${name}-${hash.digest("hex").slice(0, 12)}`);
  const built = await access(binary).then(
    () => true,
    () => false,
  );
  if (built) return binary;
  await mkdir(cache, { recursive: true });
  const partial = `${binary}.tmp.${String(process.pid)}`;
  try {
    await run("go", ["build", "-trimpath", "-o", partial, "."], {
      cwd: source,
      env: { ...process.env, CGO_ENABLED: "0" },
      timeout: 300_000,
    });
  } catch (error) {
    const e = error as { stderr?: string };
    throw new Error(`building test/tools/${name} failed: ${e.stderr ?? String(error)}`, { cause: error });
  }
  await rename(partial, binary);
  return binary;
}
